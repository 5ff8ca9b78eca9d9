import AdminCLI
import Foundation
import VickreyConfig

StandardStream.ignoreBrokenPipes()
exit(await AdminCommand.run(Array(CommandLine.arguments.dropFirst())))
