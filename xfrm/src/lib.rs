//! `xfrm`: the kernel boundary of xfrmd (placeholder; see DESIGN.md §3).
