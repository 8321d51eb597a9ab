mod certificates;
mod errors;
mod helpers;
mod persistence;
mod settings;
mod users;
