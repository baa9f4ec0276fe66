//! Liveness probes of one route-mode tunnel, independent of IKE DPD (issue 7): an ICMP echo
//! from our inside address to the peer's every `probe_interval`; `probe_misses` consecutive
//! lost probes mark the tunnel down, `probe_recover` consecutive answers mark it up again.
//!
//! Sans-IO: [`Prober`] says when to send which sequence number and folds replies in; the
//! tokio shell owns the socket. A probe counts as lost when the next one is due and it has
//! no answer. Probes only count once the peer has answered one ("armed"): a peer without an
//! inside address never answers, and its tunnel then stays healthy on IKE alone. It never
//! sends anything itself and never decides routes (`policy::decide` does).

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
    outstanding: Option<(u16, Instant)>,
    missed: u32,
    answered: u32,
    /// Last round-trip time.
    pub rtt: Option<Duration>,
    /// Probes sent.
    pub sent: u64,
    /// Probes lost (counted when the next one was due).
    pub lost: u64,
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
            outstanding: None,
            missed: 0,
            answered: 0,
            rtt: None,
            sent: 0,
            lost: 0,
        }
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
            self.outstanding = None;
            self.missed = 0;
            self.answered = 0;
        }
    }

    /// Stops probing (no Child SA). The state is kept: a tunnel down by probes needs
    /// `probe_recover` answers after its SAs come back.
    pub fn stop(&mut self) {
        self.next = None;
        self.outstanding = None;
    }

    /// When [`Prober::on_timeout`] must next run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next
    }

    /// Timer: counts the unanswered probe as lost and returns the next sequence number to
    /// send, when one is due.
    pub fn on_timeout(&mut self, now: Instant) -> (Option<u16>, Transition) {
        let Some(next) = self.next else {
            return (None, Transition::None);
        };
        if now < next {
            return (None, Transition::None);
        }
        let mut tr = Transition::None;
        if self.outstanding.take().is_some() {
            self.lost = self.lost.saturating_add(1);
            self.missed = self.missed.saturating_add(1);
            self.answered = 0;
            if self.state == ProbeState::Up && self.missed >= self.cfg.misses {
                self.state = ProbeState::Down;
                tr = Transition::Down;
            }
        }
        self.seq = self.seq.wrapping_add(1);
        self.outstanding = Some((self.seq, now));
        self.sent = self.sent.saturating_add(1);
        // Keep the cadence even when the timer fired late.
        let mut n = next.0.saturating_add(self.cfg.interval);
        if n <= now.0 {
            n = now.0.saturating_add(self.cfg.interval);
        }
        self.next = Some(Instant(n));
        (Some(self.seq), tr)
    }

    /// An echo reply with `seq` arrived.
    pub fn on_reply(&mut self, now: Instant, seq: u16) -> Transition {
        match self.outstanding {
            Some((s, sent)) if s == seq => {
                self.outstanding = None;
                self.rtt = Some(now.saturating_since(sent));
            }
            // Late or duplicate: it was (or will be) counted as lost.
            _ => return Transition::None,
        }
        self.missed = 0;
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
}

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
        assert_eq!(p.lost, 3);
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
    fn a_late_answer_is_a_loss_and_an_answer_resets_the_count() {
        let mut p = prober();
        p.start(ms(0));
        let (s0, _) = p.on_timeout(ms(0));
        p.on_reply(ms(1), s0.unwrap());
        let (s1, _) = p.on_timeout(ms(200));
        let (_, _) = p.on_timeout(ms(400));
        assert_eq!(p.on_reply(ms(401), s1.unwrap()), Transition::None);
        assert_eq!(p.lost, 1);
        let (s3, _) = p.on_timeout(ms(600));
        p.on_reply(ms(601), s3.unwrap());
        // Two more losses: still up (the count restarted).
        p.on_timeout(ms(800));
        p.on_timeout(ms(1000));
        assert_eq!(p.state(), ProbeState::Up);
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
