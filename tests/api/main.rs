//! Integration tests: the whole service over HTTP, on SQLite by default and on PostgreSQL when
//! TEST_DATABASE_URL is set. One test binary, so it links once.

mod audit;
mod auth;
mod contract;
mod council;
mod cycles;
mod demo;
mod errors;
mod helpers;
mod imports;
mod input;
mod integration;
mod openapi;
mod operability;
mod operators;
mod organizations;
mod organizing;
mod plans;
mod policy;
mod ratings;
mod regions;
mod security;
mod service;
mod webhooks;
