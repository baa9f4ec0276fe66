//! stub
#[derive(Debug)]
pub struct NetlinkKernel;
