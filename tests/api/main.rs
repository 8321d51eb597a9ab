mod certificates;
mod delivery;
mod durability;
mod errors;
mod helpers;
mod persistence;
mod settings;
mod users;
