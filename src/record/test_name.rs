//! Which test a process or thread is running, as far as it can be known.

use std::sync::OnceLock;

/// The name of the test that is running on a thread called `thread_name`
/// (`None` for an unnamed thread), as far as it can be known.
///
/// - When the process was started with `--exact <name>`, as cargo nextest
///   runs each test in a process of its own, `<name>` (also on the threads
///   the test spawns).
/// - Else the thread's name, unless it is `main`: libtest runs each test on
///   a thread named after the test.
/// - Else `None`.
///
/// # Examples
///
/// ```
/// use lockorder::record::test_name;
///
/// // Doctests run as a plain program on the main thread.
/// assert_eq!(test_name(Some("main")), None);
/// assert_eq!(test_name(None), None);
/// assert_eq!(test_name(Some("db::tests::ab")).as_deref(), Some("db::tests::ab"));
/// ```
pub fn test_name(thread_name: Option<&str>) -> Option<String> {
    static EXACT: OnceLock<Option<String>> = OnceLock::new();
    let exact = EXACT.get_or_init(|| {
        let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
        exact_test_argument(&args).map(str::to_owned)
    });
    exact.clone().or_else(|| thread_name.filter(|name| *name != "main").map(str::to_owned))
}

/// The value following `--exact` among the arguments, when it is not an
/// option itself.
fn exact_test_argument(args: &[String]) -> Option<&str> {
    let at = args.iter().position(|a| a == "--exact")?;
    args.get(at + 1).map(String::as_str).filter(|name| !name.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::exact_test_argument;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nextest_arguments_name_the_test() {
        let list = args(&["target/debug/deps/db-1a2b", "--exact", "db::ab", "--nocapture"]);
        assert_eq!(exact_test_argument(&list), Some("db::ab"));
    }

    #[test]
    fn exact_followed_by_an_option_or_nothing_names_no_test() {
        assert_eq!(exact_test_argument(&args(&["bin", "--exact", "--nocapture"])), None);
        assert_eq!(exact_test_argument(&args(&["bin", "--exact"])), None);
        assert_eq!(exact_test_argument(&args(&["bin", "db::ab"])), None);
    }
}
