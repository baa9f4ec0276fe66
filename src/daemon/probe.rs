//! Liveness probes of one route-mode tunnel, independent of IKE DPD (issue 7): an ICMP echo
//! from our inside address to the peer's every `probe_interval`; `probe_misses` consecutive
//! lost probes mark the tunnel down, `probe_recover` consecutive answers mark it up again.
//!
//! Sans-IO: [`Prober`] says when to send which sequence number and folds replies in; the
//! tokio shell owns the socket. A probe is missed when the next probe's slot on the cadence
//! comes without its answer (not when it is one interval old by the clock: a timer that fires
//! late would otherwise push every miss, and so the failover, back by one whole interval);
//! a late answer to any probe still outstanding proves the path and clears the count
//! (a loaded router answering in 250 ms is alive, not down). Probes only count once the peer
//! has answered one ("armed"): a peer without an
//! inside address never answers, and its tunnel then stays healthy on IKE alone. It never
//! sends anything itself and never decides routes (`policy::decide` does).

use std::collections::VecDeque;
use std::time::Duration;

use ike::v2::Instant;

pub use crate::control::status::ProbeState;

/// Probe settings of one tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeConfig {
    /// Interval between probes.
    pub interval: Duration,
    /// Lost probes in a row that mark the tunnel down.
    pub misses: u32,
    /// Answered probes in a row that mark it up again.
    pub recover: u32,
}

/// One tunnel's prober.
#[derive(Debug, Clone)]
pub struct Prober {
    cfg: ProbeConfig,
    state: ProbeState,
    next: Option<Instant>,
    seq: u16,
    /// Probes sent since the last answer, oldest first.
    outstanding: VecDeque<Outstanding>,
    answered: u32,
    /// The last tick came a whole interval late and put its verdict off.
    deferred: bool,
    /// Last round-trip time.
    pub rtt: Option<Duration>,
    /// Probes sent.
    pub sent: u64,
    /// Probes never answered.
    pub lost: u64,
}

/// A probe without an answer yet.
#[derive(Debug, Clone, Copy)]
struct Outstanding {
    seq: u16,
    /// When it was sent (for the round-trip time).
    sent: Instant,
    /// The slot of the next probe: without an answer by then it counts as missed.
    due: Instant,
}

/// What a probe step changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Nothing that affects health.
    None,
    /// The tunnel went down by probes.
    Down,
    /// The tunnel is up by probes (recovered, or armed for the first time).
    Up,
}

impl Prober {
    /// A stopped prober.
    pub fn new(cfg: ProbeConfig) -> Self {
        Prober {
            cfg,
            state: ProbeState::Unarmed,
            next: None,
            seq: 0,
            outstanding: VecDeque::new(),
            answered: 0,
            deferred: false,
            rtt: None,
            sent: 0,
            lost: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> ProbeConfig {
        self.cfg
    }

    /// The probe state.
    pub fn state(&self) -> ProbeState {
        self.state
    }

    /// True while probes say the tunnel is down.
    pub fn is_down(&self) -> bool {
        self.state == ProbeState::Down
    }

    /// Starts probing (a Child SA is installed); the first probe is due at once.
    pub fn start(&mut self, now: Instant) {
        if self.next.is_none() {
            self.next = Some(now);
            self.outstanding.clear();
            self.answered = 0;
            self.deferred = false;
        }
    }

    /// Stops probing (no Child SA). The state is kept: a tunnel down by probes needs
    /// `probe_recover` answers after its SAs come back.
    pub fn stop(&mut self) {
        self.next = None;
        self.outstanding.clear();
    }

    /// When [`Prober::on_timeout`] must next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next
    }

    /// Timer: counts the probes missed so far and returns the next sequence number to send,
    /// when one is due.
    pub fn on_timeout(&mut self, now: Instant) -> (Option<u16>, Transition) {
        let Some(next) = self.next else {
            return (None, Transition::None);
        };
        if now < next {
            return (None, Transition::None);
        }
        let interval = self.cfg.interval;
        // A timer a whole interval late means this process stalled (a loaded host): answers
        // that arrived meanwhile may still wait in the socket, so the verdict waits for the
        // next tick (once: a process that is always late still fails over).
        let stalled = now.0 >= next.0.saturating_add(interval) && !self.deferred;
        self.deferred = stalled;
        let missed = self.overdue(now);
        let mut tr = Transition::None;
        if !stalled && self.state == ProbeState::Up && missed >= self.cfg.misses as usize {
            // Recovery counts the answers from here on.
            self.answered = 0;
            self.state = ProbeState::Down;
            tr = Transition::Down;
        }
        // Keep the cadence even when the timer fired late (after a stall of more than an
        // interval, start a new cadence from now).
        let mut n = next.0.saturating_add(interval);
        if n <= now.0 {
            n = now.0.saturating_add(interval);
        }
        self.next = Some(Instant(n));
        self.seq = self.seq.wrapping_add(1);
        self.outstanding.push_back(Outstanding {
            seq: self.seq,
            sent: now,
            due: Instant(n),
        });
        if self.outstanding.len() > MAX_OUTSTANDING {
            self.outstanding.pop_front();
            self.lost = self.lost.saturating_add(1);
        }
        self.sent = self.sent.saturating_add(1);
        (Some(self.seq), tr)
    }

    /// An echo reply with `seq` arrived.
    pub fn on_reply(&mut self, now: Instant, seq: u16) -> Transition {
        let Some(pos) = self.outstanding.iter().position(|o| o.seq == seq) else {
            // A duplicate, or older than everything outstanding.
            return Transition::None;
        };
        if let Some(o) = self.outstanding.get(pos) {
            self.rtt = Some(now.saturating_since(o.sent));
        }
        // Probes sent before this one never got their own answer.
        self.lost = self.lost.saturating_add(pos as u64);
        self.outstanding.drain(..=pos);
        self.answered = self.answered.saturating_add(1);
        match self.state {
            ProbeState::Unarmed => {
                self.state = ProbeState::Up;
                Transition::Up
            }
            ProbeState::Down if self.answered >= self.cfg.recover => {
                self.state = ProbeState::Up;
                Transition::Up
            }
            _ => Transition::None,
        }
    }

    /// Probes lost so far, counting those already overdue.
    pub fn lost_now(&self, now: Instant) -> u64 {
        self.lost.saturating_add(self.overdue(now) as u64)
    }

    /// Outstanding probes whose answer was due by `now`.
    fn overdue(&self, now: Instant) -> usize {
        self.outstanding.iter().filter(|o| now >= o.due).count()
    }
}

/// Probes remembered without an answer (older ones are counted lost and forgotten).
const MAX_OUTSTANDING: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Instant {
        Instant(Duration::from_millis(n))
    }

    fn prober() -> Prober {
        Prober::new(ProbeConfig {
            interval: Duration::from_millis(200),
            misses: 3,
            recover: 3,
        })
    }

    #[test]
    fn unarmed_until_the_first_answer_and_losses_before_do_not_count() {
        let mut p = prober();
        assert_eq!(p.on_timeout(ms(0)), (None, Transition::None));
        p.start(ms(0));
        for i in 0..10 {
            let (seq, tr) = p.on_timeout(ms(i * 200));
            assert!(seq.is_some());
            assert_eq!(tr, Transition::None);
        }
        assert_eq!(p.state(), ProbeState::Unarmed);
        let (seq, _) = p.on_timeout(ms(2000));
        assert_eq!(p.on_reply(ms(2003), seq.unwrap()), Transition::Up);
        assert_eq!(p.rtt, Some(Duration::from_millis(3)));
        assert_eq!(p.state(), ProbeState::Up);
    }

    #[test]
    fn three_losses_mark_down_and_three_answers_recover() {
        let mut p = prober();
        p.start(ms(0));
        let (s, _) = p.on_timeout(ms(0));
        p.on_reply(ms(1), s.unwrap());
        // Path cut: probes at 200, 400, 600 go unanswered; the third is counted at 800.
        let mut t = 200;
        let mut downs = Vec::new();
        while t <= 800 {
            let (_, tr) = p.on_timeout(ms(t));
            downs.push(tr);
            t += 200;
        }
        assert_eq!(
            downs,
            [
                Transition::None,
                Transition::None,
                Transition::None,
                Transition::Down
            ]
        );
        assert!(p.is_down());
        assert_eq!(p.lost_now(ms(800)), 3);
        // Two answers are not enough, the third recovers.
        for (i, want) in [Transition::None, Transition::None, Transition::Up]
            .into_iter()
            .enumerate()
        {
            let at = 1000 + 200 * i as u64;
            let (s, _) = p.on_timeout(ms(at));
            assert_eq!(p.on_reply(ms(at + 2), s.unwrap()), want);
        }
    }

    #[test]
    fn a_late_answer_proves_the_path_and_resets_the_count() {
        let mut p = prober();
        p.start(ms(0));
        let (s0, _) = p.on_timeout(ms(0));
        p.on_reply(ms(1), s0.unwrap());
        // Answers take 450 ms (a loaded router): never three overdue at once.
        let mut pending = std::collections::VecDeque::new();
        for t in (200..5000).step_by(200) {
            let (seq, tr) = p.on_timeout(ms(t));
            assert_eq!(tr, Transition::None, "at {t} ms");
            pending.push_back((seq.unwrap(), t + 450));
            while pending.front().is_some_and(|(_, at)| *at <= t + 200) {
                let (s, at) = pending.pop_front().unwrap();
                p.on_reply(ms(at), s);
            }
        }
        assert_eq!(p.state(), ProbeState::Up);
        assert_eq!(p.rtt, Some(Duration::from_millis(450)));
        // An answer to a later probe forgives the earlier ones but counts them lost.
        let (a, _) = p.on_timeout(ms(6000));
        let (b, _) = p.on_timeout(ms(6200));
        let _ = a;
        let before = p.lost;
        p.on_reply(ms(6201), b.unwrap());
        assert!(p.lost > before);
        assert_eq!(p.lost_now(ms(6201)), p.lost);
    }

    /// Arms the prober with one answered probe at 0 ms.
    fn armed() -> Prober {
        let mut p = prober();
        p.start(ms(0));
        let (s, _) = p.on_timeout(ms(0));
        assert_eq!(p.on_reply(ms(1), s.unwrap()), Transition::Up);
        p
    }

    #[test]
    fn a_late_timer_does_not_put_the_failover_off_by_an_interval() {
        // Path cut after the answer at 1 ms; the timer fires late by varying amounts (a
        // loaded host): the probe of slot 600 goes out at 650, the tick of slot 800 comes at
        // 810. The third miss is the slot-600 probe, counted at the slot-800 tick although
        // it is only 160 ms old by the clock.
        let mut p = armed();
        for at in [230, 400, 650] {
            assert_eq!(p.on_timeout(ms(at)).1, Transition::None, "at {at} ms");
        }
        assert_eq!(p.poll_timeout(), Some(ms(800)), "the cadence is kept");
        assert_eq!(p.on_timeout(ms(810)).1, Transition::Down);
        assert_eq!(p.lost_now(ms(810)), 3);
    }

    #[test]
    fn a_stall_defers_the_verdict_by_one_tick_only() {
        // Probes go out at 200, 400 and 600 ms and are answered at once, but the process
        // stalls from 610 ms to 1300 ms before reading the answers: the tick of slot 800
        // comes at 1300 with three probes overdue.
        let mut p = armed();
        let sent: Vec<u16> = [200, 400, 600]
            .into_iter()
            .map(|at| p.on_timeout(ms(at)).0.unwrap())
            .collect();
        let (seq, tr) = p.on_timeout(ms(1300));
        assert_eq!(tr, Transition::None, "no verdict from a stalled tick");
        assert!(seq.is_some(), "the probe still goes out");
        assert_eq!(p.poll_timeout(), Some(ms(1500)), "a new cadence from now");
        // The answers read after the stall keep the tunnel up.
        for s in sent {
            assert_eq!(p.on_reply(ms(1301), s), Transition::None);
        }
        assert_eq!(p.on_timeout(ms(1500)).1, Transition::None);
        assert_eq!(p.state(), ProbeState::Up);
        // A real outage across a stall: the verdict comes one tick later, not never.
        let mut q = armed();
        for at in [200, 400, 600] {
            q.on_timeout(ms(at));
        }
        assert_eq!(q.on_timeout(ms(1100)).1, Transition::None, "stalled tick");
        assert_eq!(q.on_timeout(ms(1300)).1, Transition::Down);
        // Every tick late (an overloaded process): only every other verdict is put off.
        let mut r = armed();
        let mut downs = 0;
        for at in (1..=6).map(|i| i * 450) {
            if r.on_timeout(ms(at)).1 == Transition::Down {
                downs += 1;
                assert!(at <= 1800, "down by the fourth late tick, got {at} ms");
            }
        }
        assert_eq!(downs, 1);
    }

    #[test]
    fn stop_keeps_the_down_state_and_start_probes_at_once() {
        let mut p = prober();
        p.start(ms(0));
        let (s, _) = p.on_timeout(ms(0));
        p.on_reply(ms(1), s.unwrap());
        for t in [200, 400, 600, 800] {
            p.on_timeout(ms(t));
        }
        assert!(p.is_down());
        p.stop();
        assert_eq!(p.poll_timeout(), None);
        p.start(ms(5000));
        assert_eq!(p.poll_timeout(), Some(ms(5000)));
        assert!(p.is_down());
    }
}
