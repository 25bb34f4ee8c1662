// SPDX-License-Identifier: MIT
#pragma once

namespace OddsTap {

/// Name of the SQLite VFS that installWalWriteBuffer() registers.
inline constexpr const char *kWalWriteBufferVfs = "oddstap-walbuffer";

/// Registers, once, an SQLite VFS that wraps the default one and gathers each connection's WAL
/// frame writes into 120 KiB writes, everything written out before a commit is published (see the
/// .cpp), and makes it the default for the process. False if SQLite's default VFS cannot be
/// wrapped (the default stays, nothing else changes).
bool installWalWriteBuffer();

} // namespace OddsTap
