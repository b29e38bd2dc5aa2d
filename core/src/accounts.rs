//! Rules that keep a deployment administrable: nobody dismisses or demotes
//! their own account, and the last active administrator stays one (without
//! an administrator nobody could ever configure lines or accounts again).

use crate::protocol::{Account, AccountPatch, Role};
use crate::{ErrorCode, Millis, ProtocolError, MINUTE};

/// Failed logins an account takes before it is locked for a while.
pub const FREE_LOGIN_FAILURES: u32 = 5;
/// The longest an account is locked after failed logins.
pub const MAX_LOGIN_LOCK_MS: Millis = 15 * MINUTE;

/// Until when an account refuses logins after `failures` failed ones in a
/// row, the last at `last_failure_at`: none for the first few, then 1 s,
/// 2 s, 4 s… up to 15 minutes (per account, whatever the address, so a
/// distributed guesser gets one guess per lock). The right password works
/// again once the lock passes, and resets the count.
pub fn login_locked_until(failures: u32, last_failure_at: Millis) -> Option<Millis> {
    let over = failures.checked_sub(FREE_LOGIN_FAILURES)?;
    let lock = 1000i64
        .checked_shl(over.min(30))
        .unwrap_or(MAX_LOGIN_LOCK_MS)
        .min(MAX_LOGIN_LOCK_MS);
    Some(last_failure_at + lock)
}

/// Whether `patch`, made by `actor` to `target`, may be applied given every
/// account of the deployment.
pub fn check_patch(
    actor: &str,
    target: &Account,
    patch: &AccountPatch,
    all: &[Account],
) -> Result<(), ProtocolError> {
    let demotes = patch.role.is_some_and(|r| r < target.role);
    let dismisses = patch.dismissed == Some(true) && !target.dismissed;
    if !(demotes || dismisses) {
        return Ok(());
    }
    if actor == target.id {
        return Err(ProtocolError::new(
            ErrorCode::Forbidden,
            "you cannot dismiss or demote your own account; ask another administrator",
        ));
    }
    let active_admin = |a: &Account| a.role == Role::Admin && !a.dismissed;
    let admins = all.iter().filter(|a| active_admin(a)).count();
    if active_admin(target) && admins <= 1 {
        return Err(ProtocolError::new(
            ErrorCode::Conflict,
            "the last active administrator cannot be dismissed or demoted",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, role: Role) -> Account {
        Account {
            id: id.into(),
            login: id.into(),
            name: id.into(),
            role,
            dismissed: false,
            vacations: Vec::new(),
            avatar: None,
            position: None,
            email: None,
        }
    }

    #[test]
    fn failed_logins_lock_an_account_with_growing_back_off() {
        assert_eq!(login_locked_until(4, 0), None);
        assert_eq!(login_locked_until(5, 10_000), Some(11_000));
        assert_eq!(login_locked_until(6, 10_000), Some(12_000));
        assert_eq!(login_locked_until(8, 0), Some(8_000));
        assert_eq!(login_locked_until(40, 0), Some(MAX_LOGIN_LOCK_MS));
        assert_eq!(login_locked_until(u32::MAX, 0), Some(MAX_LOGIN_LOCK_MS));
    }

    #[test]
    fn the_last_administrator_and_ones_own_account_stay() {
        let root = account("root", Role::Admin);
        let anna = account("anna", Role::Operator);
        let all = vec![root.clone(), anna.clone()];
        let dismiss = AccountPatch {
            dismissed: Some(true),
            ..AccountPatch::default()
        };
        let demote = AccountPatch {
            role: Some(Role::Supervisor),
            ..AccountPatch::default()
        };
        let own = check_patch("root", &root, &dismiss, &all).unwrap_err();
        assert_eq!(own.code, ErrorCode::Forbidden);
        assert_eq!(
            check_patch("root", &root, &demote, &all).unwrap_err().code,
            ErrorCode::Forbidden
        );
        // Another administrator exists: one may dismiss the other.
        let second = account("second", Role::Admin);
        let two = vec![root.clone(), second.clone(), anna.clone()];
        assert!(check_patch("second", &root, &dismiss, &two).is_ok());
        // The last one, even by someone else (e.g. after a data import).
        let last = check_patch("second", &root, &demote, &all).unwrap_err();
        assert_eq!(last.code, ErrorCode::Conflict);
        // Anything else is allowed.
        assert!(check_patch("root", &anna, &dismiss, &all).is_ok());
        let rename = AccountPatch {
            name: Some("Root".into()),
            ..AccountPatch::default()
        };
        assert!(check_patch("root", &root, &rename, &all).is_ok());
    }
}
