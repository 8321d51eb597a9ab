//! The simulated network: what happens to a message the app sends.
//! `rules` decides per recipient (like test card numbers in a payment sandbox), `lifecycle`
//! plans the statuses (`sent`, `delivered`, `read`, `failed`) and builds their notifications,
//! `schedule` makes them happen when they are due.

pub mod lifecycle;
pub mod rules;
pub mod schedule;
pub mod sent;
mod sent_record;

pub use sent::SentMessage;
