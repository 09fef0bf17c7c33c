//! The registry's one piece of process-wide state: every API published in this process. A leaf:
//! the other modules reach it here, and it reaches none of them.

use std::sync::LazyLock;

use capreg::Registry;

/// Every API published in this process.
pub(crate) static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);
