//! Integration tests: the whole service over HTTP, on SQLite by default and on PostgreSQL when
//! TEST_DATABASE_URL is set. One test binary, so it links once.

mod audit;
mod auth;
mod contract;
mod council;
mod cycles;
mod demo;
mod errors;
mod examples;
mod follow_up;
mod helpers;
mod imports;
mod input;
mod integration;
mod open_data;
mod openapi;
mod operability;
mod operators;
mod organizations;
mod organizing;
mod plans;
mod policy;
mod portal;
mod ratings;
mod regions;
mod report_imports;
mod security;
mod service;
mod validation;
mod webhooks;
