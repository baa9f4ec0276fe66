//! Message ID windows and retransmission (RFC 7296 2.1, 2.2): our one outstanding request with
//! exponential backoff and a bounded number of tries, and the responder side's expected
//! Message ID plus the cached last response for retransmitted requests.
//!
//! Window size is 1 in both directions (we never send SET_WINDOW_SIZE). Pure bookkeeping on
//! virtual time; never builds or parses messages.

use super::types::Instant;
use crate::config::Retransmit;
use std::time::Duration;

/// Delay before retransmission number `n` (0 = after the first send).
pub fn backoff(cfg: &Retransmit, n: u32) -> Duration {
    let f = cfg.base.max(1.0).powi(i32::try_from(n).unwrap_or(i32::MAX));
    let secs = (cfg.timeout.as_secs_f64() * f).min(86_400.0);
    Duration::from_secs_f64(secs)
}

/// Total time from the first send until the request is abandoned.
pub fn total(cfg: &Retransmit) -> Duration {
    (0..=cfg.tries).map(|n| backoff(cfg, n)).sum()
}

/// Our outstanding request.
#[derive(Debug, Clone)]
pub struct Outstanding {
    pub msg_id: u32,
    /// The datagrams of the request (several when fragmented, RFC 7383).
    pub bytes: Vec<Vec<u8>>,
    pub first_sent: Instant,
    /// Retransmissions done so far.
    pub sent: u32,
    pub next: Instant,
}

/// What a timer expiry means for the outstanding request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    Nothing,
    Resend,
    GiveUp,
}

impl Outstanding {
    pub fn new(now: Instant, cfg: &Retransmit, msg_id: u32, bytes: Vec<Vec<u8>>) -> Self {
        Outstanding {
            msg_id,
            bytes,
            first_sent: now,
            sent: 0,
            next: now + backoff(cfg, 0),
        }
    }

    /// RFC 7296 2.1: the initiator retransmits until it gets a response or deems the SA dead;
    /// after `tries` retransmissions and one more full interval we give up. With `forever`
    /// the last interval repeats (used for DPD action none and the startup=start retries).
    pub fn tick(&mut self, now: Instant, cfg: &Retransmit, forever: bool) -> Tick {
        if now < self.next {
            return Tick::Nothing;
        }
        if self.sent >= cfg.tries && !forever {
            return Tick::GiveUp;
        }
        self.sent = self.sent.saturating_add(1);
        self.next = now + backoff(cfg, self.sent.min(cfg.tries));
        Tick::Resend
    }
}

/// The responder half: next expected request ID and the cached last response.
#[derive(Debug, Clone, Default)]
pub struct ResponderWindow {
    /// Message ID the next new request must carry.
    pub expected: u32,
    /// (Message ID, datagram) of the last response we sent.
    pub last: Option<(u32, Vec<Vec<u8>>)>,
}

/// How to treat an incoming request's Message ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestCheck {
    New,
    /// A retransmission of the last request: resend this cached response.
    Retransmit(Vec<Vec<u8>>),
    /// Out of window (old or in the future): ignore.
    Drop,
}

impl ResponderWindow {
    /// RFC 7296 2.2: a retransmitted request gets the cached response again; anything outside
    /// the window is dropped.
    pub fn check(&self, msg_id: u32) -> RequestCheck {
        if msg_id == self.expected {
            return RequestCheck::New;
        }
        match &self.last {
            Some((id, bytes)) if *id == msg_id => RequestCheck::Retransmit(bytes.clone()),
            _ => RequestCheck::Drop,
        }
    }

    /// Records the response to request `msg_id` and advances the window.
    pub fn answered(&mut self, msg_id: u32, bytes: Vec<Vec<u8>>) {
        self.last = Some((msg_id, bytes));
        self.expected = msg_id.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_total_is_bounded() {
        let cfg = Retransmit::default();
        assert_eq!(backoff(&cfg, 0), Duration::from_secs(4));
        assert!(backoff(&cfg, 2) > backoff(&cfg, 1));
        let t = total(&cfg);
        assert!(
            t > Duration::from_secs(100) && t < Duration::from_secs(200),
            "{t:?}"
        );
        let mut o = Outstanding::new(Instant::default(), &cfg, 0, vec![]);
        let mut now;
        let mut resends = 0;
        loop {
            now = o.next;
            match o.tick(now, &cfg, false) {
                Tick::Resend => resends += 1,
                Tick::GiveUp => break,
                Tick::Nothing => unreachable!(),
            }
        }
        assert_eq!(resends, cfg.tries);
        assert_eq!(now.0, t);
    }

    #[test]
    fn window_answers_retransmits_and_drops_others() {
        let mut w = ResponderWindow::default();
        assert_eq!(w.check(0), RequestCheck::New);
        w.answered(0, vec![vec![1]]);
        assert_eq!(w.check(0), RequestCheck::Retransmit(vec![vec![1]]));
        assert_eq!(w.check(1), RequestCheck::New);
        assert_eq!(w.check(5), RequestCheck::Drop);
    }
}
