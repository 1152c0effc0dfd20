//! The scheduler: runs the selected nodes over the DAG with N worker threads. A node starts as
//! soon as its last parent finishes; a failure marks everything downstream skipped while
//! independent branches go on.

pub mod output;
pub mod results;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::adapter::{Adapter, Connection};
use crate::error::Result;
use crate::graph::{Dag, Key};
use crate::manifest::Manifest;
pub use results::{NodeResult, Status};

/// How one node is run, given a connection of the worker's own.
pub trait Work: Sync {
    fn run(&self, index: usize, conn: &mut dyn Connection) -> NodeResult;
    /// How a finished node is described in its progress line.
    fn describe(&self, index: usize, result: &NodeResult) -> String;
    /// Stop starting new nodes after the first failure (`--fail-fast`).
    fn stop_on_failure(&self) -> bool {
        false
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Running,
    Done,
}

/// The nodes of the plan that `i` must wait for: its parents, looking through nodes outside the
/// plan (an ephemeral model, an unselected model between two selected ones).
fn plan_parents(dag: &Dag, plan: &BTreeSet<usize>, i: usize) -> Vec<usize> {
    let mut out = vec![];
    let mut seen = std::collections::HashSet::new();
    let mut stack = dag.parents(Key::Node(i));
    while let Some(k) = stack.pop() {
        if !seen.insert(k) {
            continue;
        }
        match k {
            Key::Node(p) if plan.contains(&p) => out.push(p),
            Key::Node(p) => stack.extend(dag.parents(Key::Node(p))),
            Key::Source(_) => stack.extend(dag.parents(k)),
        }
    }
    out.sort_unstable();
    out
}

/// The result of a node that is not run, with its progress line printed.
fn skip(manifest: &Manifest, work: &dyn Work, (seq, total): (usize, usize), index: usize, why: String) -> NodeResult {
    let skipped = NodeResult::new(&manifest.nodes[index].unique_id, Status::Skipped, why);
    output::say(&output::progress_line(
        seq,
        total,
        &skipped,
        &work.describe(index, &skipped),
    ));
    skipped
}

/// Run `plan` (manifest indices) in dependency order; returns one result per node, in the
/// order they finished.
pub fn execute(
    manifest: &Manifest,
    dag: &Dag,
    plan: &BTreeSet<usize>,
    threads: usize,
    adapter: &dyn Adapter,
    work: &dyn Work,
) -> Result<Vec<NodeResult>> {
    let total = plan.len();
    // Parents and children restricted to the plan.
    let mut waiting_on: HashMap<usize, usize> = HashMap::new();
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    for &i in plan {
        let parents = plan_parents(dag, plan, i);
        waiting_on.insert(i, parents.len());
        for p in parents {
            children.entry(p).or_default().push(i);
        }
    }
    // Ready nodes go out in project order (files sorted by path), so runs are reproducible
    // with one thread; parents always come before their children.
    let mut ready: Vec<usize> = plan.iter().copied().filter(|i| waiting_on[i] == 0).collect();
    let mut state: HashMap<usize, State> = plan.iter().map(|&i| (i, State::Waiting)).collect();
    let mut results = Vec::with_capacity(total);
    let mut seq = 0usize;

    let threads = threads.clamp(1, total.max(1));
    let (task_tx, task_rx) = mpsc::channel::<usize>();
    let task_rx = Arc::new(Mutex::new(task_rx));
    let (done_tx, done_rx) = mpsc::channel::<(usize, NodeResult)>();

    let mut conns: Vec<Box<dyn Connection>> = Vec::with_capacity(threads);
    for _ in 0..threads {
        conns.push(adapter.connect()?);
    }

    std::thread::scope(|s| {
        for mut conn in conns {
            let rx = Arc::clone(&task_rx);
            let tx = done_tx.clone();
            s.spawn(move || {
                loop {
                    let next = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => break,
                    };
                    let Ok(i) = next else { break };
                    let started = Instant::now();
                    let mut r = work.run(i, conn.as_mut());
                    r.execution_time = started.elapsed().as_secs_f64();
                    if tx.send((i, r)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);

        let mut running = 0usize;
        let mut finished = 0usize;
        let mut queue: VecDeque<usize> = VecDeque::new();
        let dispatch = |ready: &mut Vec<usize>, queue: &mut VecDeque<usize>| {
            ready.sort_by_key(|i| std::cmp::Reverse(*i));
            while let Some(i) = ready.pop() {
                queue.push_back(i);
            }
        };
        dispatch(&mut ready, &mut queue);
        let mut stopped_by: Option<usize> = None;
        while finished < total {
            if stopped_by.is_some() {
                queue.clear();
            }
            // At most one node per worker in flight, so --fail-fast stops promptly.
            while running < threads {
                let Some(i) = queue.pop_front() else { break };
                if state[&i] != State::Waiting {
                    continue;
                }
                state.insert(i, State::Running);
                if task_tx.send(i).is_ok() {
                    running += 1;
                }
            }
            if running == 0 {
                break;
            }
            let Ok((i, r)) = done_rx.recv() else { break };
            running -= 1;
            finished += 1;
            seq += 1;
            state.insert(i, State::Done);
            output::say(&output::progress_line(seq, total, &r, &work.describe(i, &r)));
            let failed = r.status.is_failure();
            results.push(r);
            if failed && work.stop_on_failure() && stopped_by.is_none() {
                stopped_by = Some(i);
            }
            if failed {
                // Everything downstream is skipped.
                let mut stack: Vec<usize> = children.get(&i).cloned().unwrap_or_default();
                while let Some(c) = stack.pop() {
                    if state[&c] != State::Waiting {
                        continue;
                    }
                    state.insert(c, State::Done);
                    finished += 1;
                    seq += 1;
                    let why = format!("skipped because {} failed", manifest.nodes[i].name);
                    results.push(skip(manifest, work, (seq, total), c, why));
                    stack.extend(children.get(&c).cloned().unwrap_or_default());
                }
            } else {
                for &c in children.get(&i).map(Vec::as_slice).unwrap_or(&[]) {
                    if let Some(w) = waiting_on.get_mut(&c) {
                        *w -= 1;
                        if *w == 0 && state[&c] == State::Waiting {
                            ready.push(c);
                        }
                    }
                }
                dispatch(&mut ready, &mut queue);
            }
        }
        drop(task_tx);
        if let Some(failed) = stopped_by {
            let mut rest: Vec<usize> = state
                .iter()
                .filter(|(_, s)| **s == State::Waiting)
                .map(|(i, _)| *i)
                .collect();
            rest.sort_unstable();
            for c in rest {
                seq += 1;
                let why = format!(
                    "not run: --fail-fast stopped the run after {} failed",
                    manifest.nodes[failed].name
                );
                results.push(skip(manifest, work, (seq, total), c, why));
            }
        }
    });
    Ok(results)
}
