import AdminCLI
import Foundation

exit(await AdminCommand.run(Array(CommandLine.arguments.dropFirst())))
