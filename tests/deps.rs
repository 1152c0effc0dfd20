//! `mozt deps`: hub packages from a hub served by the test, git packages from repositories the
//! test makes, local packages; version ranges, transitive dependencies, conflicts, and
//! package-lock.yml written and honoured. Nothing here needs the internet.

mod common;
mod deps_support;

use common::{Output, TestProject, project_yml};
use deps_support::{StubHub, commit_all, file_url, git, new_repo, write_files};
use serde_json::json;
use std::path::Path;

fn project_with(packages: &str) -> TestProject {
    let p = TestProject::with_yml(&project_yml("shop", ""));
    p.write("packages.yml", packages);
    p
}

fn deps(p: &TestProject, hub: &StubHub, args: &[&str]) -> Output {
    let mut all = vec!["deps"];
    all.extend_from_slice(args);
    p.mozt_env(&all, &[("MOZT_HUB_URL", &hub.url())])
}

/// Output with the hub's port, temporary folders and commit ids replaced by stable names.
fn stable(text: &str, hub: &StubHub, tmp: &[&Path]) -> String {
    let mut s = text.replace(&hub.url(), "[HUB]/");
    for (i, t) in tmp.iter().enumerate() {
        s = s.replace(&t.display().to_string(), &format!("[TMP{i}]"));
    }
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    for c in s.chars().chain(std::iter::once('\n')) {
        if c.is_ascii_hexdigit() {
            word.push(c);
            continue;
        }
        if word.len() == 40 {
            out.push_str("[SHA]");
        } else {
            out.push_str(&word);
        }
        word.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// A hub with `acme/utils` (several versions) and `acme/marketing`, which needs utils below 2.0.
fn hub_with_packages() -> StubHub {
    let mut hub = StubHub::start();
    for v in ["0.9.0", "1.0.0", "1.2.0", "2.0.0-rc1", "2.1.0"] {
        hub.publish("acme/utils", v, json!([]));
    }
    // Requires a dbt newer than 1.11: never offered.
    hub.publish_with("acme/utils", "2.5.0", json!([]), Some(json!([">=1.12.0", "<2.0.0"])));
    hub.publish(
        "acme/marketing",
        "1.0.0",
        json!([{"package": "acme/utils", "version": [">=1.0.0", "<2.0.0"]}]),
    );
    hub
}

fn installed_version(p: &TestProject, pkg: &str) -> String {
    p.read(&format!("dbt_packages/{pkg}/macros/{pkg}_version.sql"))
}

#[test]
fn hub_ranges_resolve_to_the_highest_match_and_the_lock_holds_them() {
    let mut hub = hub_with_packages();
    let p = project_with(
        "packages:\n  - package: acme/utils\n    version: [\">=0.9.0\", \"<3.0.0\"]\n  - package: acme/marketing\n    version: 1.0.0\n",
    );
    let out = deps(&p, &hub, &[]);
    out.assert_ok();
    insta::assert_snapshot!("hub_first_install", out.stdout);
    // 2.1.0 is in the root's range, but marketing needs < 2.0.0; 2.0.0-rc1 is a pre-release.
    assert!(installed_version(&p, "utils").contains("'1.2.0'"));
    assert!(installed_version(&p, "marketing").contains("'1.0.0'"));
    let lock = p.read("package-lock.yml");
    insta::assert_snapshot!("hub_lock", lock);

    // A newer utils on the hub: with the lock, the locked version stays.
    hub.publish("acme/utils", "1.3.0", json!([]));
    let out = deps(&p, &hub, &[]);
    out.assert_ok();
    assert!(!out.stdout.contains("Updating lock file"), "{}", out.stdout);
    assert!(installed_version(&p, "utils").contains("'1.2.0'"));
    assert_eq!(p.read("package-lock.yml"), lock);

    // --upgrade resolves again.
    let out = deps(&p, &hub, &["--upgrade"]);
    out.assert_ok();
    assert!(out.stdout.contains("Updating lock file"), "{}", out.stdout);
    assert!(installed_version(&p, "utils").contains("'1.3.0'"));
    assert!(p.read("package-lock.yml").contains("version: 1.3.0"));

    // --lock writes the lock only.
    std::fs::remove_file(p.path().join("package-lock.yml")).expect("remove the lock");
    std::fs::remove_dir_all(p.path().join("dbt_packages")).expect("remove dbt_packages");
    let out = deps(&p, &hub, &["--lock"]);
    out.assert_ok();
    assert!(p.read("package-lock.yml").contains("version: 1.3.0"));
    assert!(!p.path().join("dbt_packages").exists());

    // A changed packages file no longer matches the lock's hash: resolved again.
    p.write(
        "packages.yml",
        "packages:\n  - package: acme/utils\n    version: \"<1.1.0\"\n",
    );
    let out = deps(&p, &hub, &[]);
    out.assert_ok();
    assert!(out.stdout.contains("Updating lock file"), "{}", out.stdout);
    assert!(installed_version(&p, "utils").contains("'1.0.0'"));
    assert!(!p.path().join("dbt_packages/marketing").exists());

    // The library call the project loader uses: packages in install order.
    let installed = mozt::deps::installed(p.path()).expect("list the installed packages");
    let names: Vec<(String, Option<String>)> = installed.iter().map(|i| (i.name.clone(), i.version.clone())).collect();
    assert_eq!(names, [("utils".to_string(), Some("1.0.0".to_string()))]);
}

#[test]
fn prereleases_install_when_asked() {
    let hub = hub_with_packages();
    let p =
        project_with("packages:\n  - package: acme/utils\n    version: \">=1.0.0\"\n    install_prerelease: true\n");
    deps(&p, &hub, &[]).assert_ok();
    assert!(installed_version(&p, "utils").contains("'2.1.0'"));
    let p = project_with("packages:\n  - package: acme/utils\n    version: [\">=2.0.0-rc1\", \"<2.1.0\"]\n");
    deps(&p, &hub, &[]).assert_ok();
    assert!(installed_version(&p, "utils").contains("'2.0.0-rc1'"));
}

#[test]
fn a_version_conflict_names_both_requirers() {
    let hub = hub_with_packages();
    let p = project_with(
        "# packages\npackages:\n  - package: acme/marketing\n    version: 1.0.0\n  - package: acme/utils\n    version: \">=2.0.0\"\n",
    );
    let out = deps(&p, &hub, &[]);
    out.assert_project_error();
    insta::assert_snapshot!("hub_conflict", out.stderr);
    assert!(!p.path().join("package-lock.yml").exists());
    assert!(!p.path().join("dbt_packages").exists());

    // No version in a satisfiable range.
    let p = project_with("packages:\n  - package: acme/utils\n    version: [\">=3.0.0\"]\n");
    let out = deps(&p, &hub, &[]);
    out.assert_project_error();
    assert!(
        out.stderr
            .contains("Could not find a matching compatible version for package acme/utils")
    );
    assert!(out.stderr.contains("packages.yml:2"), "{}", out.stderr);

    // Not on the hub.
    let p = project_with("packages:\n  - package: acme/nothing\n    version: 1.0.0\n");
    let out = deps(&p, &hub, &[]);
    out.assert_project_error();
    assert!(
        out.stderr
            .contains("Package acme/nothing was not found in the package index")
    );
}

#[test]
fn packages_file_errors_name_file_and_line() {
    let hub = hub_with_packages();
    let cases = [
        "packages:\n  - package: acme/utils\n    version: \"1.0\"\n",
        "packages:\n  - local: ../x\n  - package: acme/utils\n    version: 1.0.0\n    revison: 1\n",
        "packages:\n  - package: utils\n    version: 1.0.0\n",
        "packages:\n  - package: acme/utils\n",
        "packages:\n  - git: \"{{ env_var('MOZT_TEST_UNSET_VAR') }}\"\n",
        "packages:\n  - something: else\n",
    ];
    let mut all = String::new();
    for text in cases {
        let p = project_with(text);
        let out = deps(&p, &hub, &[]);
        out.assert_project_error();
        all.push_str(&format!("--- packages.yml:\n{text}--- stderr:\n{}\n", out.stderr));
    }
    let p = project_with("packages:\n  - local: ../a\n");
    p.write("dependencies.yml", "packages:\n  - local: ../b\n");
    let out = deps(&p, &hub, &[]);
    out.assert_project_error();
    all.push_str(&format!(
        "--- packages.yml and dependencies.yml:\n--- stderr:\n{}\n",
        out.stderr
    ));
    insta::assert_snapshot!("spec_errors", all);
}

#[test]
fn dependencies_yml_is_read_too() {
    let hub = hub_with_packages();
    let p = TestProject::with_yml(&project_yml("shop", ""));
    p.write(
        "dependencies.yml",
        "packages:\n  - package: acme/utils\n    version: 1.0.0\n",
    );
    deps(&p, &hub, &[]).assert_ok();
    assert!(installed_version(&p, "utils").contains("'1.0.0'"));
}

#[test]
fn git_packages_at_tags_branches_commits_and_subdirectories() {
    let hub = StubHub::start();
    let tmp = tempfile::tempdir().expect("temp dir");
    let repos = tmp.path();

    // pkg_c: required by pkg_a (a transitive git dependency).
    let c = repos.join("pkg_c");
    new_repo(&c, &[("dbt_project.yml", "name: pkg_c\nversion: '0.1.0'\n")]);
    git(&c, &["tag", "v0.1"]);

    // pkg_a: tag v1.0.0 on the first commit, then another commit on main.
    let a = repos.join("pkg_a");
    let pkg_a_packages = format!("packages:\n  - git: {}\n    revision: v0.1\n", file_url(&c));
    new_repo(
        &a,
        &[
            ("dbt_project.yml", "name: pkg_a\nversion: '1.0.0'\n"),
            ("macros/m.sql", "{% macro m() %}'one'{% endmacro %}\n"),
            ("packages.yml", &pkg_a_packages),
        ],
    );
    git(&a, &["tag", "v1.0.0"]);
    write_files(&a, &[("macros/m.sql", "{% macro m() %}'two'{% endmacro %}\n")]);
    commit_all(&a, "second");

    // A repository holding the package in a subdirectory; pinned by commit.
    let b = repos.join("monorepo");
    let b_sha = new_repo(
        &b,
        &[
            ("README.md", "several packages\n"),
            ("pkgs/inner/dbt_project.yml", "name: inner\n"),
            ("pkgs/inner/models/x.sql", "select 1 as x\n"),
        ],
    );
    write_files(&b, &[("pkgs/inner/models/x.sql", "select 2 as x\n")]);
    commit_all(&b, "later");

    // pkg_d followed on a branch.
    let d = repos.join("pkg_d");
    new_repo(&d, &[("dbt_project.yml", "name: pkg_d\n")]);
    git(&d, &["checkout", "-q", "-b", "feature"]);
    write_files(&d, &[("macros/d.sql", "feature-1\n")]);
    commit_all(&d, "feature 1");
    git(&d, &["checkout", "-q", "main"]);

    let p = project_with(&format!(
        "packages:\n  - git: {}\n    revision: v1.0.0\n  - git: {}\n    subdirectory: pkgs/inner\n    revision: {b_sha}\n  - git: {}\n    revision: feature\n",
        file_url(&a),
        file_url(&b),
        file_url(&d),
    ));
    let out = deps(&p, &hub, &[]);
    out.assert_ok();
    insta::assert_snapshot!("git_first_install", stable(&out.stdout, &hub, &[repos]));
    assert!(p.read("dbt_packages/pkg_a/macros/m.sql").contains("'one'"));
    assert!(p.path().join("dbt_packages/pkg_c/dbt_project.yml").exists());
    assert_eq!(p.read("dbt_packages/inner/models/x.sql"), "select 1 as x\n");
    assert!(!p.path().join("dbt_packages/inner/README.md").exists());
    assert!(!p.path().join("dbt_packages/pkg_a/.git").exists());
    assert_eq!(p.read("dbt_packages/pkg_d/macros/d.sql"), "feature-1\n");
    insta::assert_snapshot!("git_lock", stable(&p.read("package-lock.yml"), &hub, &[repos]));

    // The branch moves on: the lock keeps the commit it pinned; --upgrade follows the branch.
    git(&d, &["checkout", "-q", "feature"]);
    write_files(&d, &[("macros/d.sql", "feature-2\n")]);
    commit_all(&d, "feature 2");
    deps(&p, &hub, &[]).assert_ok();
    assert_eq!(p.read("dbt_packages/pkg_d/macros/d.sql"), "feature-1\n");
    deps(&p, &hub, &["--upgrade"]).assert_ok();
    assert_eq!(p.read("dbt_packages/pkg_d/macros/d.sql"), "feature-2\n");
}

#[test]
fn git_warnings_and_errors() {
    let hub = StubHub::start();
    let tmp = tempfile::tempdir().expect("temp dir");
    let r = tmp.path().join("pkg_r");
    new_repo(&r, &[("dbt_project.yml", "name: pkg_r\n")]);

    // No revision: the default branch, with dbt's warning (unless warn-unpinned: false).
    let p = project_with(&format!("packages:\n  - git: {}\n", file_url(&r)));
    let out = deps(&p, &hub, &[]);
    out.assert_ok();
    assert!(
        out.stderr.contains("is not pinned, using HEAD (default branch)"),
        "{}",
        out.stderr
    );
    let p = project_with(&format!(
        "packages:\n  - git: {}\n    warn-unpinned: false\n",
        file_url(&r)
    ));
    let out = deps(&p, &hub, &[]);
    out.assert_ok();
    assert!(!out.stderr.contains("not pinned"), "{}", out.stderr);

    // An abbreviated commit id (a full clone finds it); the lock records the whole id.
    let sha = git(&r, &["rev-parse", "HEAD"]);
    let p = project_with(&format!(
        "packages:\n  - git: {}\n    revision: {}\n",
        file_url(&r),
        &sha[..8]
    ));
    deps(&p, &hub, &[]).assert_ok();
    assert!(p.read("package-lock.yml").contains(&format!("revision: {sha}")));
    assert!(p.path().join("dbt_packages/pkg_r/dbt_project.yml").exists());
    // Installing from that lock fetches the commit itself.
    std::fs::remove_dir_all(p.path().join("dbt_packages")).expect("remove");
    deps(&p, &hub, &[]).assert_ok();
    assert!(p.path().join("dbt_packages/pkg_r/dbt_project.yml").exists());

    // A revision that does not exist.
    let p = project_with(&format!("packages:\n  - git: {}\n    revision: v9\n", file_url(&r)));
    let out = deps(&p, &hub, &[]);
    out.assert_project_error();
    assert!(
        out.stderr.contains("`v9` is not a branch, tag or commit"),
        "{}",
        out.stderr
    );

    // One repository at two revisions.
    let p = project_with(&format!(
        "packages:\n  - git: {0}\n    revision: main\n  - git: {0}.git\n    revision: HEAD\n",
        file_url(&r)
    ));
    let out = deps(&p, &hub, &[]);
    out.assert_project_error();
    assert!(out.stderr.contains("exactly one version"), "{}", out.stderr);
    assert!(
        out.stderr.contains("packages.yml:2") && out.stderr.contains("packages.yml:4"),
        "{}",
        out.stderr
    );
}

#[test]
fn local_packages_and_dbt_project_yml() {
    let hub = StubHub::start();
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("proj");
    write_files(
        tmp.path(),
        &[
            ("shared/dbt_project.yml", "name: shared\n"),
            // Relative to the root project, as dbt resolves it.
            ("shared/packages.yml", "packages:\n  - local: ../base\n"),
            ("base/dbt_project.yml", "name: base\n"),
            (
                "proj/dbt_project.yml",
                "name: shop\nprofile: shop\npackages-install-path: vendor\n",
            ),
            ("proj/packages.yml", "packages:\n  - local: ../shared\n"),
        ],
    );
    let out = common::run_mozt(&root, &["deps"], &[("MOZT_HUB_URL", &hub.url())]);
    out.assert_ok();
    insta::assert_snapshot!("local_install", out.stdout);
    for name in ["shared", "base"] {
        let link = root.join("vendor").join(name);
        let meta = std::fs::symlink_metadata(&link).expect("installed");
        assert!(meta.file_type().is_symlink(), "{name} is a link");
        assert!(link.join("dbt_project.yml").exists());
    }
    insta::assert_snapshot!(
        "local_lock",
        std::fs::read_to_string(root.join("package-lock.yml")).expect("lock")
    );
    let installed = mozt::deps::installed(&root).expect("installed");
    let names: Vec<&str> = installed.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["shared", "base"]);
    assert_eq!(installed[0].path, root.join("vendor/shared"));

    // A package named like the root project is refused.
    std::fs::write(root.join("packages.yml"), "packages:\n  - local: ../clash\n").expect("write");
    write_files(tmp.path(), &[("clash/dbt_project.yml", "name: shop\n")]);
    let out = common::run_mozt(&root, &["deps"], &[("MOZT_HUB_URL", &hub.url())]);
    out.assert_project_error();
    assert!(
        out.stderr.contains("same name as the root project \"shop\""),
        "{}",
        out.stderr
    );
}

#[test]
fn a_filled_package_folder_needs_no_deps() {
    let p = project_with("packages:\n  - package: acme/utils\n    version: 1.0.0\n");
    p.write("dbt_packages/utils/dbt_project.yml", "name: utils\n");
    p.write("models/m.sql", "select 1 as id\n");
    // No hub is reachable: nothing may ask one.
    let env = [("MOZT_HUB_URL", "http://127.0.0.1:9/")];
    p.mozt_env(&["build"], &env).assert_ok();
    let installed = mozt::deps::installed(p.path()).expect("installed");
    assert_eq!(installed.len(), 1);
    assert_eq!(installed[0].name, "utils");
    assert_eq!(installed[0].version, None);

    std::fs::remove_dir_all(p.path().join("dbt_packages")).expect("remove");
    let err = mozt::deps::installed(p.path()).expect_err("nothing is installed");
    assert!(err.to_string().contains("run `mozt deps`"), "{err}");
}

#[test]
fn a_failed_install_leaves_the_old_packages() {
    let mut hub = hub_with_packages();
    let p = project_with("packages:\n  - package: acme/utils\n    version: 1.0.0\n");
    deps(&p, &hub, &[]).assert_ok();
    // The next version's tarball is not a tarball.
    hub.publish("acme/utils", "1.0.1", json!([]));
    hub.serve_bytes("/tarballs/acme/utils/1.0.1.tar.gz", b"not a tarball".to_vec());
    p.write(
        "packages.yml",
        "packages:\n  - package: acme/utils\n    version: 1.0.1\n",
    );
    let out = deps(&p, &hub, &[]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("cannot unpack"), "{}", out.stderr);
    assert!(installed_version(&p, "utils").contains("'1.0.0'"));
    let leftovers: Vec<_> = std::fs::read_dir(p.path())
        .expect("read the project")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".mozt-deps"))
        .collect();
    assert!(leftovers.is_empty(), "the staging folder is removed");
}

#[test]
fn no_packages_is_a_warning() {
    let hub = StubHub::start();
    let p = project_with("packages: []\n");
    let out = deps(&p, &hub, &[]);
    out.assert_ok();
    assert!(out.stdout.contains("No packages were found"), "{}", out.stdout);
    assert!(hub.requests().is_empty());
}

#[test]
fn tarball_packages_are_named_by_their_entry() {
    let hub = StubHub::start();
    hub.serve_bytes(
        "/downloads/pkg.tar.gz",
        deps_support::tar_gz(&[
            ("pkg-main/dbt_project.yml".into(), "name: tarred\n".into()),
            (
                "pkg-main/macros/t.sql".into(),
                "{% macro t() %}1{% endmacro %}\n".into(),
            ),
        ]),
    );
    let p = project_with(&format!(
        "packages:\n  - tarball: {}downloads/pkg.tar.gz\n    name: my_pkg\n",
        hub.url()
    ));
    let out = deps(&p, &hub, &[]);
    out.assert_ok();
    insta::assert_snapshot!("tarball_install", stable(&out.stdout, &hub, &[]));
    assert!(p.path().join("dbt_packages/my_pkg/macros/t.sql").exists());
    insta::assert_snapshot!("tarball_lock", stable(&p.read("package-lock.yml"), &hub, &[]));

    // Two folders at the top: not a package.
    hub.serve_bytes(
        "/downloads/two.tar.gz",
        deps_support::tar_gz(&[
            ("a/dbt_project.yml".into(), "name: a\n".into()),
            ("b/dbt_project.yml".into(), "name: b\n".into()),
        ]),
    );
    let p = project_with(&format!(
        "packages:\n  - tarball: {}downloads/two.tar.gz\n    name: two\n",
        hub.url()
    ));
    let out = deps(&p, &hub, &[]);
    out.assert_project_error();
    assert!(out.stderr.contains("Incorrect structure for package"), "{}", out.stderr);
}

#[test]
fn add_package_rewrites_the_packages_file_like_dbt() {
    let hub = hub_with_packages();
    let p = project_with("packages:\n  - package: acme/utils\n    version: 0.9.0\n  - local: local_pkgs/elsewhere\n");
    p.write("local_pkgs/elsewhere/dbt_project.yml", "name: elsewhere\n");
    let out = deps(&p, &hub, &["--add-package", "acme/utils@>=1.0.0,<1.1.0"]);
    out.assert_ok();
    insta::assert_snapshot!("add_package_output", out.stdout);
    insta::assert_snapshot!("add_package_file", p.read("packages.yml"));
    assert!(installed_version(&p, "utils").contains("'1.0.0'"));

    // Without a packages file, one is made.
    let p = TestProject::with_yml(&project_yml("shop", ""));
    let out = deps(&p, &hub, &["--add-package", "acme/marketing@1.0.0"]);
    out.assert_ok();
    assert!(out.stdout.contains("Created packages.yml"), "{}", out.stdout);
    assert_eq!(
        p.read("packages.yml"),
        "packages:\n  - package: acme/marketing\n    version: 1.0.0\n"
    );
    assert!(p.path().join("dbt_packages/utils").exists());
}

#[test]
fn a_lock_written_by_dbt_is_honoured() {
    // The packages file and the lock dbt-core 1.11's `dbt deps` wrote for it against the same
    // hub: the hashes agree, so mozt installs from the lock without resolving or rewriting it.
    let mut hub = hub_with_packages();
    hub.publish("acme/utils", "1.9.0", json!([]));
    let p = project_with(
        "packages:\n  - package: acme/utils\n    version: [\">=0.9.0\", \"<3.0.0\"]\n  - package: acme/marketing\n    version: 1.0.0\n",
    );
    let dbt_lock = "packages:\n  - name: utils\n    package: acme/utils\n    version: 1.2.0\n  - name: marketing\n    package: acme/marketing\n    version: 1.0.0\nsha1_hash: 86212a35bd04f95591116619ba75335f49e7b6dc\n";
    p.write("package-lock.yml", dbt_lock);
    let out = deps(&p, &hub, &[]);
    out.assert_ok();
    assert!(!out.stdout.contains("Updating lock file"), "{}", out.stdout);
    assert_eq!(p.read("package-lock.yml"), dbt_lock);
    // 1.9.0 would be resolved now; the lock keeps 1.2.0.
    assert!(installed_version(&p, "utils").contains("'1.2.0'"));
}

#[test]
fn vars_render_in_the_packages_file() {
    let hub = hub_with_packages();
    let p = project_with("packages:\n  - package: acme/utils\n    version: \"{{ var('utils_version', '0.9.0') }}\"\n");
    deps(&p, &hub, &["--vars", "{utils_version: 1.0.0}"]).assert_ok();
    assert!(installed_version(&p, "utils").contains("'1.0.0'"));
    // dbt hashes the rendered entries too: other vars, another hash, resolved again.
    let out = deps(&p, &hub, &[]);
    out.assert_ok();
    assert!(out.stdout.contains("Updating lock file"), "{}", out.stdout);
    assert!(installed_version(&p, "utils").contains("'0.9.0'"));
}

#[test]
fn a_conflict_with_a_packages_own_file_names_its_line() {
    let hub = hub_with_packages();
    let tmp = tempfile::tempdir().expect("temp dir");
    write_files(
        tmp.path(),
        &[
            ("proj/project.yml", &project_yml("shop", "")),
            (
                "proj/packages.yml",
                "packages:\n  - local: local_pkgs/shared\n  - package: acme/utils\n    version: \">=1.0.0\"\n",
            ),
            ("proj/local_pkgs/shared/dbt_project.yml", "name: shared\n"),
            (
                "proj/local_pkgs/shared/packages.yml",
                "packages:\n  # old on purpose\n  - package: acme/utils\n    version: \"<1.0.0\"\n",
            ),
        ],
    );
    // Run from the parent folder: paths are shown as the command line names them.
    let out = common::run_mozt(
        tmp.path(),
        &["deps", "--project-dir", "proj"],
        &[("MOZT_HUB_URL", &hub.url())],
    );
    out.assert_project_error();
    insta::assert_snapshot!("local_conflict", out.stderr);
}

#[test]
fn packages_that_need_each_other_resolve_once() {
    // dbt 1.11 loops forever here; mozt expands a package again only when its pin changes.
    let hub = StubHub::start();
    let p = project_with("packages:\n  - local: pk/a\n");
    p.write("pk/a/dbt_project.yml", "name: a\n")
        .write("pk/a/packages.yml", "packages:\n  - local: pk/b\n")
        .write("pk/b/dbt_project.yml", "name: b\n")
        .write("pk/b/packages.yml", "packages:\n  - local: pk/a\n");
    deps(&p, &hub, &[]).assert_ok();
    let names: Vec<String> = mozt::deps::installed(p.path())
        .expect("installed")
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["a", "b"]);
}
