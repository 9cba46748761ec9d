//! Command line: serve, migrate, openapi, demo.

use std::time::Duration;

use clap::{Parser, Subcommand};
use nok_api::config::Config;
use nok_api::db::Db;
use nok_api::startup::{openapi_document, Application};

#[derive(Parser)]
#[command(
    name = "nok-api",
    version,
    about = "Independent quality assessment (НОК) of social service organizations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API.
    Serve {
        /// Load the demo regions and institutions first (idempotent).
        #[arg(long)]
        demo: bool,
        /// Address to listen on (overrides NOK_BIND).
        #[arg(long)]
        bind: Option<std::net::SocketAddr>,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Load the demo data, plus generated organizations for load tests, and exit.
    Demo {
        /// Generated organizations to add beside the seed institutions.
        #[arg(long, default_value_t = 0)]
        organizations: usize,
    },
}

fn main() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NOK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(message) = run(Cli::parse()) {
        eprintln!("nok-api: {message}");
        std::process::exit(1);
    }
}

fn connect(config: &Config) -> Result<Db, String> {
    Db::connect(
        &config.database_url,
        config.pool_size,
        Duration::from_secs(config.pool_timeout_secs),
    )
}

fn load_demo(db: &Db, generated: usize) -> Result<(), String> {
    let mut conn = db.blocking().map_err(|e| e.to_string())?;
    let loaded = nok_api::demo::load(&mut conn, generated).map_err(|e| format!("{e:?}"))?;
    println!(
        "demo data: {} regions and {} organizations added",
        loaded.regions, loaded.organizations
    );
    Ok(())
}

fn run(cli: Cli) -> Result<(), String> {
    let mut config = Config::from_env()?;
    match cli.command {
        Command::Openapi => {
            let json = openapi_document()
                .to_pretty_json()
                .map_err(|e| e.to_string())?;
            println!("{json}");
            Ok(())
        }
        Command::Migrate => {
            connect(&config)?;
            println!("database is migrated");
            Ok(())
        }
        Command::Demo { organizations } => load_demo(&connect(&config)?, organizations),
        Command::Serve { demo, bind } => {
            if let Some(bind) = bind {
                config.bind = bind;
            }
            let db = connect(&config)?;
            if demo {
                load_demo(&db, 0)?;
            }
            let app = Application::build(&config, db)
                .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
            println!(
                "nok-api listening on http://{}:{} (Swagger UI at /swagger-ui/)",
                config.bind.ip(),
                app.port()
            );
            actix_web::rt::System::new()
                .block_on(app.run_until_stopped())
                .map_err(|e| e.to_string())
        }
    }
}
