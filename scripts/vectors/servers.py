"""Throw-away memcached processes for the generator, on the fixed addresses that appear in the
vectors (ketama point labels contain host, port and socket path, so they cannot be random).

The generator re-runs itself in a private network namespace (`unshare -rn`) when it can: there
every port, 11211 included, is free whatever else runs on the machine. Without one it uses the
machine's loopback and stops with a clear error when a port is taken. A lock file serialises
concurrent runs, which would otherwise share the unix socket paths.
"""

import fcntl
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time

SOCKET_DIR = '/tmp/memkit-vectors'
LOCK_PATH = '/tmp/memkit-vectors.lock'
IN_NAMESPACE_ENV = 'MEMKIT_VECTORS_NETNS'


class SetupError(Exception):
    """Something the generator needs is missing; the message says what."""


def memcached_binary():
    path = os.environ.get('MEMCACHED_BIN') or shutil.which('memcached')
    if not path or not os.access(path, os.X_OK):
        raise SetupError('memcached is not installed%s (Debian: apt-get install memcached)'
                         % (' at %s' % path if path else ''))
    return path


def memcached_version():
    out = subprocess.run([memcached_binary(), '-V'], capture_output=True, text=True, check=True)
    return out.stdout.split()[1]


def _loopback_up():
    """Brings `lo` up inside a fresh network namespace (it starts down), without iproute2."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifreq = struct.pack('16sH14x', b'lo', 0)
        flags = struct.unpack('16sH14x', fcntl.ioctl(s, siocgifflags, ifreq))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack('16sH14x', b'lo', flags | iff_up))


def enter_private_network(argv):
    """Re-executes the generator in a new network namespace when possible; returns when inside
    one (or when none can be had)."""
    if os.environ.get(IN_NAMESPACE_ENV) == '1':
        _loopback_up()
        return
    if os.environ.get(IN_NAMESPACE_ENV) == '0' or not shutil.which('unshare'):
        return
    env = dict(os.environ, **{IN_NAMESPACE_ENV: '1'})
    for flags in (['-rn'], ['-n']):
        probe = subprocess.run(['unshare', *flags, 'true'], capture_output=True, check=False)
        if probe.returncode == 0:
            done = subprocess.run(['unshare', *flags, sys.executable, *argv], env=env, check=False)
            sys.exit(done.returncode)


def lock():
    """Holds an exclusive lock for the life of the process (released when it exits)."""
    handle = open(LOCK_PATH, 'w')
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


class Memcached:
    """One memcached on TCP (`host` is a comma-separated list for `-l`) or a unix socket."""

    def __init__(self, host=None, port=None, path=None):
        self.host, self.port, self.path = host, port, path
        args = [memcached_binary(), '-U', '0', '-m', '64', '-t', '1', '-c', '256']
        if os.geteuid() == 0:
            args += ['-u', 'root']
        if path is not None:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if os.path.exists(path):
                os.unlink(path)
            args += ['-s', path, '-a', '0700']
        else:
            args += ['-l', host, '-p', str(port)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_ready()

    def _family_address(self):
        if self.path is not None:
            return socket.AF_UNIX, self.path
        return socket.AF_INET, ('127.0.0.1', self.port)

    def _wait_ready(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors='replace').strip()
                raise SetupError('memcached on %s exited: %s' % (self.name(), err or 'no message'))
            try:
                self.command(b'version\r\n', b'\r\n')
                return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise SetupError('memcached on %s did not start' % self.name())

    def name(self):
        return self.path if self.path is not None else '%s:%d' % (self.host, self.port)

    def command(self, data, terminator):
        """Sends raw bytes on a new connection and reads until the reply ends with `terminator`."""
        family, address = self._family_address()
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(address)
            s.sendall(data)
            return read_until(s, terminator)

    def exchange(self, data):
        """Sends raw bytes and returns every byte the server answered to them.

        A `version` command follows the data as a marker: its reply ends the exchange and is cut
        off. Should the server swallow the marker, the exchange ends after one idle second.
        """
        family, address = self._family_address()
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.connect(address)
            s.sendall(data + b'version\r\n')
            s.settimeout(1)
            reply = b''
            while True:
                marker = re.search(rb'VERSION [^\r\n]*\r\n$', reply)
                if marker:
                    return reply[:marker.start()]
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    return reply
                if not chunk:
                    return reply
                reply += chunk

    def keys_present(self, keys):
        """The subset of `keys` (bytes) this server holds, read with raw multi-key gets."""
        present = set()
        for i in range(0, len(keys), 100):
            batch = keys[i:i + 100]
            reply = self.command(b'get ' + b' '.join(batch) + b'\r\n', b'END\r\n')
            for line in reply.split(b'\r\n'):
                if line.startswith(b'VALUE '):
                    present.add(line.split(b' ')[1])
        return present

    def flush(self):
        self.command(b'flush_all\r\n', b'\r\n')

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.path is not None and os.path.exists(self.path):
            os.unlink(self.path)


def read_until(s, terminator):
    data = b''
    while not data.endswith(terminator):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


class Fleet:
    """Every server a run needs, started once and flushed between uses."""

    def __init__(self):
        self.servers = {}

    def tcp(self, port):
        """The server on `port`, listening on both 127.0.0.1 and ::1 (so that `localhost`
        reaches it whichever address it resolves to first)."""
        if port not in self.servers:
            self.servers[port] = Memcached(host='127.0.0.1,::1', port=port)
        return self.servers[port]

    def unix(self, path):
        if path not in self.servers:
            self.servers[path] = Memcached(path=path)
        return self.servers[path]

    def flush_all(self):
        for server in self.servers.values():
            server.flush()

    def stop(self):
        for server in self.servers.values():
            server.stop()
        self.servers = {}
