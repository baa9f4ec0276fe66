//! `policy`: YAML site model and pure routing decisions (placeholder; see DESIGN.md §4).
