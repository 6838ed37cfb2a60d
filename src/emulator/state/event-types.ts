/**
 * Every event type in WorkOS's published OpenAPI spec (a test keeps this list equal to the
 * spec's). The `events` filter of `GET /events` rejects names outside it.
 */
export const WORKOS_EVENT_TYPES: ReadonlySet<string> = new Set(
  `action.authentication.denied action.user_registration.denied api_key.created api_key.revoked
authentication.email_verification_failed authentication.email_verification_succeeded
authentication.magic_auth_failed authentication.magic_auth_succeeded authentication.mfa_failed
authentication.mfa_succeeded authentication.oauth_failed authentication.oauth_succeeded
authentication.passkey_failed authentication.passkey_succeeded authentication.password_failed
authentication.password_succeeded authentication.radar_risk_detected authentication.sso_failed
authentication.sso_started authentication.sso_succeeded authentication.sso_timed_out connection.activated
connection.deactivated connection.deleted connection.saml_certificate_renewal_required
connection.saml_certificate_renewed dsync.activated dsync.deactivated dsync.deleted dsync.group.created
dsync.group.deleted dsync.group.updated dsync.group.user_added dsync.group.user_removed dsync.user.created
dsync.user.deleted dsync.user.updated email_verification.created flag.created flag.deleted flag.rule_updated
flag.updated group.created group.deleted group.member_added group.member_removed group.updated
invitation.accepted invitation.created invitation.resent invitation.revoked magic_auth.created
organization.created organization.deleted organization.updated organization_domain.created
organization_domain.deleted organization_domain.updated organization_domain.verification_failed
organization_domain.verified organization_membership.created organization_membership.deleted
organization_membership.updated organization_role.created organization_role.deleted organization_role.updated
password_reset.created password_reset.succeeded permission.created permission.deleted permission.updated
role.created role.deleted role.updated session.created session.revoked user.created user.deleted user.updated
vault.byok_key.deleted vault.byok_key.verification_completed vault.data.created vault.data.deleted
vault.data.read vault.data.updated vault.dek.decrypted vault.dek.read vault.kek.created vault.metadata.read
vault.names.listed waitlist_user.approved waitlist_user.created waitlist_user.denied`.split(/\s+/),
);
