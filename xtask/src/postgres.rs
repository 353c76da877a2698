//! A throwaway PostgreSQL server for tests: Debian's binaries, a data folder under
//! `.kofu/`, 127.0.0.1 only, trust authentication (only this machine's tests reach it)
//! and no fsync (nothing in it must survive). Dropping it stops it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, root, run};

pub struct Cluster {
    data: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    /// `log`: where the server writes its log (the test stack's privacy scan reads it).
    pub fn start(name: &str, port: u16, log: &Path) -> Result<Cluster> {
        let bin = bin_dir().ok_or("PostgreSQL is not installed (Debian package postgresql)")?;
        let data = root().join(".kofu").join(format!("postgres-{name}"));
        if data.join("postmaster.pid").exists() {
            // Left running by an interrupted run.
            let _ = as_owner(&bin.join("pg_ctl"), &data).args(["stop", "-m", "immediate", "-D"]).arg(&data).status();
        }
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;
        std::fs::write(log, "").map_err(|e| format!("{}: {e}", log.display()))?;
        if is_root() {
            // initdb and postgres refuse to run as root.
            run(Command::new("chown").args(["postgres:postgres"]).arg(&data).arg(log))?;
        }
        run(as_owner(&bin.join("initdb"), &data)
            .args(["--username=postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync", "-D"])
            .arg(&data)
            .stdout(std::process::Stdio::null()))?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off",
            data.display()
        );
        run(as_owner(&bin.join("pg_ctl"), &data)
            .args(["start", "--wait", "--silent", "-D"])
            .arg(&data)
            .arg("-l")
            .arg(log)
            .args(["-o", &options]))?;
        Ok(Cluster { data, bin, port })
    }

    /// The server's URL without a database.
    pub fn server_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    pub fn create_database(&self, name: &str) -> Result<String> {
        run(Command::new(self.bin.join("createdb")).args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
            name,
        ]))?;
        Ok(format!("{}/{name}", self.server_url()))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_owner(&self.bin.join("pg_ctl"), &self.data)
            .args(["stop", "--wait", "--silent", "-m", "fast", "-D"])
            .arg(&self.data)
            .status();
    }
}

/// The newest of Debian's `/usr/lib/postgresql/N/bin`.
pub fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// The command, as the `postgres` user when we are root.
fn as_owner(program: &Path, data: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program).current_dir(data);
        cmd
    } else {
        Command::new(program)
    }
}
