// SPDX-License-Identifier: MIT
#pragma once

namespace OddsTap {

/// Name of the SQLite VFS that installWalWriteBuffer() registers.
inline constexpr const char *kWalWriteBufferVfs = "oddstap-walbuffer";

/// Registers, once, an SQLite VFS that wraps the default one and gathers each connection's WAL
/// frame writes into 120 KiB writes, everything written out before a commit is published (see the
/// .cpp). It is not the default: a connection uses it by name (SqliteStorage's writer does).
/// False if SQLite's default VFS cannot be wrapped.
bool installWalWriteBuffer();

/// Registers another instance under `name`, wrapping the VFS named `baseVfs`: for tests that put
/// a fault-injecting VFS under the buffer. Not thread-safe; call before using it.
bool registerWalWriteBuffer(const char *name, const char *baseVfs);

} // namespace OddsTap
