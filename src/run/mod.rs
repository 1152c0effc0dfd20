//! The scheduler: runs the selected nodes over the DAG with N worker threads. A node starts as
//! soon as its last parent finishes; a failure marks everything downstream skipped while
//! independent branches go on. After Ctrl-C (crate::cancel) no node starts, the running ones
//! are recorded as cancelled, and the nodes not started as skipped.

pub(crate) mod output;
pub(crate) mod results;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::adapter::{Adapter, Connection};
use crate::error::Result;
use crate::graph::{Dag, Key};
use crate::manifest::Manifest;
pub(crate) use results::{NodeResult, Status};

/// How one node is run, given a connection of the worker's own.
pub(crate) trait Work: Sync {
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

/// Run `plan` (manifest indices) in dependency order; returns one result per node, in the
/// order they finished.
pub(crate) fn execute(
    manifest: &Manifest,
    dag: &Dag,
    plan: &BTreeSet<usize>,
    threads: usize,
    adapter: &dyn Adapter,
    work: &dyn Work,
) -> Result<Vec<NodeResult>> {
    let mut schedule = Schedule::new(manifest, dag, plan, work);
    let threads = threads.clamp(1, schedule.total.max(1));
    let (task_tx, task_rx) = mpsc::channel::<usize>();
    let task_rx = Arc::new(Mutex::new(task_rx));
    let (done_tx, done_rx) = mpsc::channel::<(usize, NodeResult)>();

    let mut conns: Vec<Box<dyn Connection>> = Vec::with_capacity(threads);
    for _ in 0..threads {
        conns.push(adapter.connect()?);
    }

    std::thread::scope(|s| {
        for (n, mut conn) in conns.into_iter().enumerate() {
            let rx = Arc::clone(&task_rx);
            let tx = done_tx.clone();
            s.spawn(move || worker(n + 1, work, conn.as_mut(), &rx, &tx));
        }
        drop(done_tx);

        let mut running = 0usize;
        while schedule.finished < schedule.total {
            // At most one node per worker in flight, so --fail-fast and Ctrl-C stop promptly.
            while running < threads && !crate::cancel::requested() {
                let Some(i) = schedule.next() else { break };
                if task_tx.send(i).is_ok() {
                    running += 1;
                }
            }
            if running == 0 {
                break;
            }
            let Ok((i, mut r)) = done_rx.recv() else { break };
            running -= 1;
            if r.status.is_failure() && crate::cancel::requested() {
                r.status = Status::Cancelled;
            }
            schedule.done(i, r);
        }
        drop(task_tx);
        schedule.skip_the_rest();
        schedule.skip_cancelled();
    });
    Ok(schedule.results)
}

/// A worker thread (numbered from 1): run the nodes it is sent on its own connection, and send
/// back each result with its time and the worker's name.
fn worker(
    number: usize,
    work: &dyn Work,
    conn: &mut dyn Connection,
    tasks: &Mutex<mpsc::Receiver<usize>>,
    done: &mpsc::Sender<(usize, NodeResult)>,
) {
    loop {
        let next = match tasks.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => break,
        };
        let Ok(i) = next else { break };
        let started = Instant::now();
        let started_at = chrono::Utc::now().to_rfc3339();
        let mut r = work.run(i, conn);
        r.execution_time = started.elapsed().as_secs_f64();
        r.thread_id = format!("Thread-{number} (worker)");
        r.started_at = Some(started_at);
        r.completed_at = Some(chrono::Utc::now().to_rfc3339());
        if done.send((i, r)).is_err() {
            break;
        }
    }
}

/// Which nodes of the plan wait, run or are done; what goes out next; the results so far.
struct Schedule<'a> {
    manifest: &'a Manifest,
    work: &'a dyn Work,
    /// How many of its parents in the plan each node still waits for.
    waiting_on: HashMap<usize, usize>,
    /// Children restricted to the plan.
    children: HashMap<usize, Vec<usize>>,
    state: HashMap<usize, State>,
    /// Nodes ready to run, in the order they go out.
    queue: VecDeque<usize>,
    results: Vec<NodeResult>,
    total: usize,
    finished: usize,
    /// The number of the last progress line.
    seq: usize,
    /// The node whose failure stopped the run (`--fail-fast`).
    stopped_by: Option<usize>,
}

impl<'a> Schedule<'a> {
    fn new(manifest: &'a Manifest, dag: &Dag, plan: &BTreeSet<usize>, work: &'a dyn Work) -> Schedule<'a> {
        let mut waiting_on: HashMap<usize, usize> = HashMap::new();
        let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
        for &i in plan {
            let parents = plan_parents(dag, plan, i);
            waiting_on.insert(i, parents.len());
            for p in parents {
                children.entry(p).or_default().push(i);
            }
        }
        let mut schedule = Schedule {
            manifest,
            work,
            state: plan.iter().map(|&i| (i, State::Waiting)).collect(),
            queue: VecDeque::new(),
            results: Vec::with_capacity(plan.len()),
            total: plan.len(),
            finished: 0,
            seq: 0,
            stopped_by: None,
            waiting_on,
            children,
        };
        let ready: Vec<usize> = plan.iter().copied().filter(|i| schedule.waiting_on[i] == 0).collect();
        schedule.release(ready);
        schedule
    }

    /// Queue nodes that became ready in project order (files sorted by path), so runs are
    /// reproducible with one thread; parents always come before their children.
    fn release(&mut self, mut ready: Vec<usize>) {
        ready.sort_unstable();
        self.queue.extend(ready);
    }

    /// The next node to start, marked running; None when none is ready (or the run stopped).
    fn next(&mut self) -> Option<usize> {
        if self.stopped_by.is_some() {
            self.queue.clear();
        }
        while let Some(i) = self.queue.pop_front() {
            if self.state[&i] == State::Waiting {
                self.state.insert(i, State::Running);
                return Some(i);
            }
        }
        None
    }

    /// A node finished: print its line, keep its result, and release its children (or skip
    /// everything downstream of a failure).
    fn done(&mut self, i: usize, r: NodeResult) {
        self.finished += 1;
        self.seq += 1;
        self.state.insert(i, State::Done);
        output::say(&output::progress_line(
            self.seq,
            self.total,
            &r,
            &self.work.describe(i, &r),
        ));
        let failed = r.status.is_failure();
        self.results.push(r);
        if failed && self.work.stop_on_failure() && self.stopped_by.is_none() {
            self.stopped_by = Some(i);
        }
        if failed {
            self.skip_downstream(i);
            return;
        }
        let mut ready = vec![];
        for &c in self.children.get(&i).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(w) = self.waiting_on.get_mut(&c) {
                *w -= 1;
                if *w == 0 && self.state[&c] == State::Waiting {
                    ready.push(c);
                }
            }
        }
        self.release(ready);
    }

    /// Everything downstream of a failed node is skipped.
    fn skip_downstream(&mut self, failed: usize) {
        let mut stack: Vec<usize> = self.children.get(&failed).cloned().unwrap_or_default();
        while let Some(c) = stack.pop() {
            if self.state[&c] != State::Waiting {
                continue;
            }
            self.state.insert(c, State::Done);
            self.finished += 1;
            let why = format!("skipped because {} failed", self.manifest.nodes[failed].name);
            self.skip(c, why);
            stack.extend(self.children.get(&c).cloned().unwrap_or_default());
        }
    }

    /// After `--fail-fast` stopped the run, every node still waiting is reported as not run.
    fn skip_the_rest(&mut self) {
        let Some(failed) = self.stopped_by else { return };
        let why = format!(
            "not run: --fail-fast stopped the run after {} failed",
            self.manifest.nodes[failed].name
        );
        self.skip_waiting(&why);
    }

    /// After Ctrl-C, every node not started is reported as not run.
    fn skip_cancelled(&mut self) {
        if crate::cancel::requested() {
            self.skip_waiting("not run: the run was cancelled (Ctrl-C)");
        }
    }

    /// Every node still waiting is reported as not run, for `why`, in the order of the nodes.
    fn skip_waiting(&mut self, why: &str) {
        let mut rest: Vec<usize> = self
            .state
            .iter()
            .filter(|(_, s)| **s == State::Waiting)
            .map(|(i, _)| *i)
            .collect();
        rest.sort_unstable();
        for c in rest {
            self.skip(c, why.to_string());
        }
    }

    /// The result of a node that is not run, with its progress line printed.
    fn skip(&mut self, index: usize, why: String) {
        self.state.insert(index, State::Done);
        self.seq += 1;
        let skipped = NodeResult::new(&self.manifest.nodes[index].unique_id, Status::Skipped, why);
        output::say(&output::progress_line(
            self.seq,
            self.total,
            &skipped,
            &self.work.describe(index, &skipped),
        ));
        self.results.push(skipped);
    }
}
