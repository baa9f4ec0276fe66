//! `UdpTransport` on real sockets, each test in a fresh network namespace (needs root; prints
//! a SKIP line otherwise). Covers: exchange on 500 and 4500 for IPv4 and IPv6, the non-ESP
//! marker on the wire (added on send, stripped on receive), NAT-keepalives dropped,
//! UDP_ENCAP set on the NAT-T sockets, local-address learning on wildcard sockets, and the
//! per-socket IPsec bypass policy letting IKE through 0/0 `action block` policies that stop
//! an ordinary socket.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::process::Command;
use std::time::Duration;

use xfrmd::transport::{Datagram, Ports, Transport, UdpConfig, UdpTransport};

/// Runs `body` on a thread inside a new network namespace with `lo` up, or prints why not.
fn in_netns(name: &str, body: impl FnOnce() + Send + 'static) {
    if !nix::unistd::geteuid().is_root() {
        println!("SKIP {name}: needs root (CAP_SYS_ADMIN for unshare(CLONE_NEWNET))");
        return;
    }
    let name = name.to_owned();
    std::thread::spawn(move || {
        if let Err(e) = nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET) {
            println!("SKIP {name}: unshare(CLONE_NEWNET): {e}");
            return;
        }
        // `ip` runs as a child of this thread, so in its namespace.
        sh("ip link set lo up");
        body();
    })
    .join()
    .unwrap();
}

fn sh(cmd: &str) {
    let out = Command::new("sh").arg("-c").arg(cmd).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn cfg(v4: Option<Ipv4Addr>, v6: Option<Ipv6Addr>, ike: u16, natt: u16) -> UdpConfig {
    UdpConfig {
        bind_v4: v4,
        bind_v6: v6,
        ports: Ports { ike, natt },
        ..UdpConfig::default()
    }
}

async fn recv(t: &UdpTransport) -> Datagram {
    tokio::time::timeout(Duration::from_secs(2), t.recv())
        .await
        .expect("no datagram within 2 s")
        .unwrap()
}

async fn nothing(t: &UdpTransport) {
    let r = tokio::time::timeout(Duration::from_millis(200), t.recv()).await;
    assert!(r.is_err(), "unexpected datagram: {r:?}");
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn ipv4_exchange_on_500_and_4500_with_marker_and_keepalive() {
    in_netns("ipv4_exchange", || {
        rt().block_on(async {
            let a = UdpTransport::bind(&cfg(Some([127, 0, 0, 1].into()), None, 500, 4500)).unwrap();
            let b = UdpTransport::bind(&cfg(Some([127, 0, 0, 2].into()), None, 500, 4500)).unwrap();
            for info in a.sockets() {
                // UDP_ENCAP_ESPINUDP = 2 on the NAT-T socket only.
                let want = if info.natt { 2 } else { 0 };
                assert_eq!(info.udp_encap, want, "{info:?}");
            }

            a.send(sa("127.0.0.1:500"), sa("127.0.0.2:500"), b"IKE_SA_INIT")
                .unwrap();
            let d = recv(&b).await;
            assert_eq!(d.payload, b"IKE_SA_INIT");
            assert_eq!(
                (d.local, d.remote),
                (sa("127.0.0.2:500"), sa("127.0.0.1:500"))
            );

            a.send(sa("127.0.0.1:4500"), sa("127.0.0.2:4500"), b"IKE_AUTH")
                .unwrap();
            let d = recv(&b).await;
            assert_eq!(d.payload, b"IKE_AUTH", "marker must be stripped");
            assert_eq!(
                (d.local, d.remote),
                (sa("127.0.0.2:4500"), sa("127.0.0.1:4500"))
            );

            b.send(d.local, d.remote, b"reply").unwrap();
            assert_eq!(recv(&a).await.payload, b"reply");

            // What crosses the wire on 4500: marker + IKE; on 500: IKE alone.
            let plain = UdpSocket::bind("127.0.0.3:4500").unwrap();
            plain
                .set_read_timeout(Some(Duration::from_secs(2)))
                .unwrap();
            a.send(sa("127.0.0.1:4500"), sa("127.0.0.3:4500"), b"abc")
                .unwrap();
            let mut buf = [0u8; 64];
            let (n, from) = plain.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"\0\0\0\0abc");
            assert_eq!(from, sa("127.0.0.1:4500"));

            // A NAT-keepalive (RFC 3948 2.3) and a bare ESP header never reach us; the
            // marked IKE message after them does.
            plain.send_to(&[0xFF], "127.0.0.2:4500").unwrap();
            plain
                .send_to(&[0, 0, 1, 0, 0, 0, 0, 1, 9, 9], "127.0.0.2:4500")
                .unwrap();
            plain.send_to(b"\0\0\0\0after", "127.0.0.2:4500").unwrap();
            let d = recv(&b).await;
            assert_eq!(d.payload, b"after");
            assert_eq!(d.remote, sa("127.0.0.3:4500"));
            nothing(&b).await;
        });
    });
}

#[test]
fn ipv6_exchange_on_both_ports() {
    in_netns("ipv6_exchange", || {
        rt().block_on(async {
            let a = UdpTransport::bind(&cfg(None, Some(Ipv6Addr::LOCALHOST), 500, 4500)).unwrap();
            let b = UdpTransport::bind(&cfg(None, Some(Ipv6Addr::LOCALHOST), 1500, 14500)).unwrap();
            assert_eq!(
                b.ports(),
                Ports {
                    ike: 1500,
                    natt: 14500
                }
            );
            a.send(sa("[::1]:500"), sa("[::1]:1500"), b"v6-500")
                .unwrap();
            let d = recv(&b).await;
            assert_eq!((d.local, d.remote), (sa("[::1]:1500"), sa("[::1]:500")));
            assert_eq!(d.payload, b"v6-500");
            b.send(sa("[::1]:14500"), sa("[::1]:4500"), b"v6-4500")
                .unwrap();
            let d = recv(&a).await;
            assert_eq!((d.local, d.remote), (sa("[::1]:4500"), sa("[::1]:14500")));
            assert_eq!(d.payload, b"v6-4500");
            let natt: Vec<_> = a.sockets().into_iter().filter(|s| s.natt).collect();
            assert_eq!(natt.len(), 1);
            assert_eq!(natt[0].udp_encap, 2);
        });
    });
}

#[test]
fn wildcard_socket_learns_and_replies_from_the_local_address() {
    in_netns("wildcard_pktinfo", || {
        rt().block_on(async {
            let a = UdpTransport::bind(&cfg(Some([127, 0, 0, 1].into()), None, 500, 4500)).unwrap();
            let b = UdpTransport::bind(&cfg(
                Some(Ipv4Addr::UNSPECIFIED),
                Some(Ipv6Addr::UNSPECIFIED),
                1500,
                14500,
            ))
            .unwrap();
            assert_eq!(b.sockets().len(), 4);
            a.send(sa("127.0.0.1:500"), sa("127.0.0.7:1500"), b"q")
                .unwrap();
            let d = recv(&b).await;
            // IP_PKTINFO tells which of our addresses the peer used...
            assert_eq!(d.local, sa("127.0.0.7:1500"));
            // ...and the reply leaves from it (the kernel alone would pick 127.0.0.1).
            b.send(d.local, d.remote, b"r").unwrap();
            let d = recv(&a).await;
            assert_eq!(d.remote, sa("127.0.0.7:1500"));
            // An unspecified source lets the kernel choose.
            b.send(sa("0.0.0.0:14500"), sa("127.0.0.1:4500"), b"s")
                .unwrap();
            let d = recv(&a).await;
            assert_eq!(
                (d.remote, d.payload.as_slice()),
                (sa("127.0.0.1:14500"), &b"s"[..])
            );
            // No socket for that port / family mismatch.
            assert!(b.send(sa("0.0.0.0:9"), sa("127.0.0.1:500"), b"x").is_err());
            assert!(a.send(sa("127.0.0.1:500"), sa("[::1]:500"), b"x").is_err());
        });
    });
}

#[test]
fn bypass_policy_lets_ike_through_block_policies() {
    in_netns("bypass_policy", || {
        // Loopback normally skips XFRM (disable_xfrm/disable_policy = 1): turn that off so
        // the 0/0 block policies below apply to 127.0.0.0/8 and ::1 as on a real link.
        // (IPv6 has no disable_xfrm knob.)
        for knob in [
            "ipv4/conf/lo/disable_xfrm",
            "ipv4/conf/lo/disable_policy",
            "ipv6/conf/lo/disable_policy",
        ] {
            std::fs::write(format!("/proc/sys/net/{knob}"), "0").unwrap();
        }
        for (any, dir) in [
            ("0.0.0.0/0", "out"),
            ("0.0.0.0/0", "in"),
            ("::/0", "out"),
            ("::/0", "in"),
        ] {
            sh(&format!(
                "ip xfrm policy add src {any} dst {any} dir {dir} action block"
            ));
        }
        rt().block_on(async {
            // Without the bypass the kernel refuses to send (EPERM from the block policy).
            let plain = UdpSocket::bind("127.0.0.3:500").unwrap();
            let e = plain.send_to(b"x", "127.0.0.2:500").unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::EPERM), "{e}");
            let plain6 = UdpSocket::bind("[::1]:0").unwrap();
            let e = plain6.send_to(b"x", "[::1]:14500").unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::EPERM), "{e}");

            let a = UdpTransport::bind(&cfg(
                Some([127, 0, 0, 1].into()),
                Some(Ipv6Addr::LOCALHOST),
                500,
                4500,
            ))
            .unwrap();
            let b = UdpTransport::bind(&cfg(
                Some([127, 0, 0, 2].into()),
                Some(Ipv6Addr::LOCALHOST),
                1500,
                14500,
            ))
            .unwrap();
            a.send(sa("127.0.0.1:500"), sa("127.0.0.2:1500"), b"through")
                .unwrap();
            assert_eq!(recv(&b).await.payload, b"through");
            b.send(sa("127.0.0.2:14500"), sa("127.0.0.1:4500"), b"back")
                .unwrap();
            assert_eq!(recv(&a).await.payload, b"back");
            a.send(sa("[::1]:4500"), sa("[::1]:14500"), b"v6").unwrap();
            assert_eq!(recv(&b).await.payload, b"v6");

            // Inbound: our (bypassed) sender reaches a plain socket only if the plain socket
            // is exempt too; it is not, so the `dir in` block policy drops it.
            plain
                .set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            a.send(sa("127.0.0.1:500"), sa("127.0.0.3:500"), b"dropped")
                .unwrap();
            let mut buf = [0u8; 16];
            assert!(
                plain.recv_from(&mut buf).is_err(),
                "the in block policy must drop it"
            );
        });
        // Without the bypass option, bind still works but the exchange is blocked.
        rt().block_on(async {
            let mut c = cfg(Some([127, 0, 0, 4].into()), None, 2500, 24500);
            c.bypass_policy = false;
            let t = UdpTransport::bind(&c).unwrap();
            let e = t
                .send(sa("127.0.0.4:2500"), sa("127.0.0.2:1500"), b"x")
                .unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::EPERM), "{e}");
        });
    });
}

#[test]
fn bind_without_runtime_or_with_bad_ports_fails_cleanly() {
    let e = UdpTransport::bind(&UdpConfig::default()).unwrap_err();
    assert!(e.to_string().contains("tokio runtime"), "{e}");
    rt().block_on(async {
        let e = UdpTransport::bind(&cfg(Some(Ipv4Addr::LOCALHOST), None, 4500, 4500)).unwrap_err();
        assert!(e.to_string().contains("distinct"), "{e}");
    });
}
