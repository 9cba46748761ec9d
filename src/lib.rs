//! nok-api: the independent quality assessment (НОК) of social service organizations, as a
//! REST/JSON service. See DESIGN.md for the cycle it carries and README.md for its use.

pub mod api;
pub mod app;
pub mod auth;
pub mod bounded;
pub mod config;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod memory;
pub mod metrics;
pub mod openapi;
pub mod startup;
pub mod views;
