//! Command line: serve, migrate, openapi, demo.

use std::time::Duration;

use clap::{Parser, Subcommand};
use nok_api::config::{Config, Setting};
use nok_api::db::Db;
use nok_api::startup::{openapi_document, Application};
use secrecy::{ExposeSecret, SecretString};

#[derive(Parser)]
#[command(
    name = "nok-api",
    version,
    about = "Independent quality assessment (НОК) of social service organizations"
)]
struct Cli {
    /// Log filter (`tracing` env-filter syntax); logs are JSON on stderr, with one line per
    /// request (target `access`; `info,access=off` silences it).
    #[arg(long, env = "NOK_LOG", default_value = "info")]
    log: String,
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
        /// With --demo: one fixed password for all demo users (for scripts); random otherwise.
        #[arg(
            long,
            env = "NOK_DEMO_PASSWORD",
            value_name = "PASSWORD",
            hide_env_values = true
        )]
        demo_password: Option<SecretString>,
        /// `1`: writes skip the audit log, change feed and outbox — benchmarks only
        /// (bench/writes.sh), never in production.
        #[arg(long, env = "NOK_BENCH_SKIP_RECORDS", value_parser = Setting(switch))]
        bench_skip_records: bool,
        #[command(flatten)]
        config: Config,
    },
    /// Apply pending migrations and exit.
    Migrate {
        #[command(flatten)]
        config: Config,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Load the demo data, plus generated organizations for load tests, and exit.
    Demo {
        /// Generated organizations to add beside the seed institutions.
        #[arg(long, default_value_t = 0)]
        organizations: usize,
        /// Put every generated organization in the demo region with this code (e.g. 71).
        #[arg(long, conflicts_with = "national")]
        region: Option<String>,
        /// The national data set: the 85 regions, the generated organizations spread over them
        /// by population (100,000 unless --organizations says otherwise), and published cycles
        /// in every region (2017, 2018 and 2019 unless --published-cycle says otherwise).
        #[arg(long)]
        national: bool,
        /// Also create a published cycle of that year over every organization of the region
        /// (`--region`, else 71), computed, approved and published. Repeatable.
        #[arg(long = "published-cycle")]
        published_cycles: Vec<i32>,
        #[command(flatten)]
        config: Config,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from NOK_USER_PASSWORD, or else from the first line
    /// of standard input — never from an argument, which other users could see.
    Add {
        #[arg(long)]
        username: String,
        /// admin, authority, operator, council, organization or auditor.
        #[arg(long)]
        role: String,
        /// Two-digit region code, for authority, council and operator users.
        #[arg(long)]
        region: Option<String>,
        /// Organization id, for organization users.
        #[arg(long)]
        organization: Option<i64>,
        #[command(flatten)]
        config: Config,
    },
}

/// `1` (or `true`, as the flag gives) turns a switch on; `0`, `false` or nothing leaves it off.
fn switch(value: &str) -> Result<bool, String> {
    // Exactly `1`: a setting that turns the audit log off must not be turned on by accident.
    match value.trim() {
        "1" => Ok(true),
        "0" | "false" | "" => Ok(false),
        _ => Err("only 1 turns it on (benchmarks only); 0, false or empty leave it off".into()),
    }
}

fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(message) = run(cli) {
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

fn print_loaded(loaded: &nok_api::demo::Loaded) {
    println!(
        "demo data: {} regions and {} organizations added",
        loaded.regions, loaded.organizations
    );
}

fn print_cycle(region: &str, year: i32, cycle: Option<(i64, usize)>) {
    match cycle {
        Some((id, n)) => {
            println!("demo data: cycle {id} of region {region} for {year} over {n} organizations, published")
        }
        None => println!("demo data: region {region} already has a cycle for {year}"),
    }
}

/// `demo`: the demo data, generated organizations and published cycles of `region` for
/// `years`, under the database-wide lock (another instance may be loading too).
fn load_demo(db: &Db, generated: usize, region: Option<&str>, years: &[i32]) -> Result<(), String> {
    db.exclusively("demo data", |conn| {
        let loaded = nok_api::demo::load(conn, generated, region).map_err(|e| format!("{e:?}"))?;
        print_loaded(&loaded);
        let region = region.unwrap_or(nok_api::demo::DEMO_REGION);
        for &year in years {
            let cycle =
                nok_api::demo::published_cycle(conn, region, year).map_err(|e| format!("{e:?}"))?;
            print_cycle(region, year, cycle);
        }
        Ok(())
    })
}

/// Organizations and published years of `demo --national` when not given.
const NATIONAL_ORGANIZATIONS: usize = 100_000;
const NATIONAL_YEARS: [i32; 3] = [2017, 2018, 2019];

/// `demo --national`: the 85 regions, `generated` organizations over them (the default when 0)
/// and a published cycle of every region for each of `years` (the default when none), under the
/// database-wide lock.
fn load_national(db: &Db, generated: usize, years: Vec<i32>) -> Result<(), String> {
    use nok_api::demo::national::NATIONAL_REGIONS;
    let generated = if generated == 0 {
        NATIONAL_ORGANIZATIONS
    } else {
        generated
    };
    let years = if years.is_empty() {
        NATIONAL_YEARS.to_vec()
    } else {
        years
    };
    db.exclusively("demo data", |conn| {
        let started = std::time::Instant::now();
        let loaded =
            nok_api::demo::national::load(conn, generated).map_err(|e| format!("{e:?}"))?;
        print_loaded(&loaded);
        println!(
            "demo data: organizations loaded in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        for &year in &years {
            let (mut made, mut assessed) = (0, 0);
            for (region, _) in NATIONAL_REGIONS {
                let cycle = nok_api::demo::published_cycle(conn, region.code, year)
                    .map_err(|e| format!("{e:?}"))?;
                if let Some((_, n)) = cycle {
                    made += 1;
                    assessed += n;
                }
            }
            println!(
                "demo data: {year}: {made} cycles published over {assessed} organizations ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
        Ok(())
    })
}

/// `serve --demo`: the demo data, its published cycles and one account per role, with fresh
/// random passwords (or `fixed` for all).
fn set_up_demo(db: &Db, fixed: Option<&SecretString>) -> Result<(), String> {
    let set_up = nok_api::demo::set_up(db, |_| match fixed {
        Some(password) => password.expose_secret().to_owned(),
        None => uuid::Uuid::new_v4().simple().to_string()[..20].to_owned(),
    })?;
    print_loaded(&set_up.loaded);
    for (year, cycle) in set_up.cycles {
        print_cycle(nok_api::demo::DEMO_REGION, year, cycle);
    }
    println!("demo users (demo mode only; log in with POST /api/v1/auth/token):");
    for user in set_up.users {
        println!(
            "  {:<14} {:<14} password: {}",
            user.username,
            user.role.as_str(),
            user.password
        );
    }
    Ok(())
}

fn add_user(command: UserCommand) -> Result<(), String> {
    use nok_api::auth::{password, Role};
    use nok_api::db::{audit::Actor, regions, users};
    let UserCommand::Add {
        username,
        role,
        region,
        organization,
        config,
    } = command;
    let role = Role::parse(&role).ok_or_else(|| format!("unknown role {role:?}"))?;
    let secret = match std::env::var("NOK_USER_PASSWORD") {
        Ok(secret) => secret,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let mut conn = connect(&config)?.blocking().map_err(|e| e.to_string())?;
    let region_id = match region {
        Some(code) => Some(
            regions::find_by_code(&mut conn, &code)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no region with code {code}"))?
                .id,
        ),
        None => None,
    };
    let mut errors =
        nok_api::domain::user::check_new_user(&username, role, region_id, organization);
    errors.extend(password::check_strength(&secret, "password").err());
    if let Some(error) = errors.first() {
        return Err(format!("{}: {}", error.field, error.message));
    }
    let hash = password::hash(&secret).map_err(|e| e.to_string())?;
    let actor = Actor {
        user_id: None,
        username: None,
        role: None,
        request_id: "cli".into(),
    };
    let new = users::NewUser {
        username: &username,
        password_hash: &hash,
        role,
        region_id,
        organization_id: organization,
    };
    let row = {
        use diesel::Connection;
        conn.transaction(|conn| users::register(conn, &actor, &new))
            .map_err(|e| e.to_string())?
    };
    println!(
        "user {} ({}) created with id {}",
        row.username, row.role, row.id
    );
    Ok(())
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Openapi => {
            let json = openapi_document()
                .to_pretty_json()
                .map_err(|e| e.to_string())?;
            println!("{json}");
            Ok(())
        }
        Command::Migrate { config } => {
            connect(&config)?;
            println!("database is migrated");
            Ok(())
        }
        Command::Demo {
            organizations,
            region,
            national,
            published_cycles,
            config,
        } => {
            let db = connect(&config)?;
            if national {
                return load_national(&db, organizations, published_cycles);
            }
            load_demo(&db, organizations, region.as_deref(), &published_cycles)
        }
        Command::User { command } => add_user(command),
        Command::Serve {
            demo,
            demo_password,
            bench_skip_records,
            config,
        } => {
            nok_api::memory::tune();
            let db = connect(&config)?;
            if demo {
                set_up_demo(&db, demo_password.as_ref())?;
            } else if config.jwt_secret.is_none() {
                eprintln!("nok-api: NOK_JWT_SECRET is not set; tokens are signed with a random secret and die with the process");
            }
            if bench_skip_records {
                eprintln!("nok-api: NOK_BENCH_SKIP_RECORDS=1: no audit log, change feed or webhooks (benchmarks only)");
                nok_api::db::audit::skip_records_for_benchmarks(true);
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    /// Every setting's default passes its own parser: the commands of the README start with
    /// nothing set.
    #[test]
    fn every_command_parses_with_the_defaults() {
        for args in [
            &["nok-api", "serve", "--demo"][..],
            &["nok-api", "migrate"],
            &["nok-api", "openapi"],
            &["nok-api", "demo", "--organizations", "10"],
            &["nok-api", "demo", "--national"],
        ] {
            if let Err(e) = super::Cli::try_parse_from(args) {
                panic!("{args:?}: {e}");
            }
        }
    }
}
