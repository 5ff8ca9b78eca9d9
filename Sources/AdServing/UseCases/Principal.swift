import VickreyCore
import VickreyStore

/// Who a request acts for: a role, and for an advertiser key its advertiser.
struct Principal: Sendable, Hashable {
    var role: AccessRole
    var advertiserID: AdvertiserID?
    /// The key's id (nil for the configured billing token).
    var keyID: String?

    /// Who the audit log names for this principal's changes: its key's id.
    var auditActor: AuditActor { AuditActor(keyID ?? "billing-token") }

    /// Whether this principal may see `advertiser`'s data: admins see all, an advertiser
    /// key only its own, billing none of it.
    func sees(_ advertiser: AdvertiserID) -> Bool {
        switch role {
        case .admin: true
        case .advertiser: advertiserID == advertiser
        case .billing: false
        }
    }

    /// Throws `AdministrationError.forbidden` unless the role is one of `roles`.
    func require(_ roles: AccessRole...) throws(AdministrationError) {
        guard roles.contains(role) else {
            throw .forbidden("a \(role.rawValue) key may not do this (needs \(roles.map(\.rawValue).joined(separator: " or ")))")
        }
    }
}
