package io.fusion4j.api.io;

import io.fusion4j.api.UserInputException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The one writer of a run folder: an exclusive OS file lock on {@code run.lock}, which names its holder (process id,
 * host, start time). A second writer, in another process or this one, is refused at once with the holder's name.
 * The OS releases the lock when its process dies, so a lock left by a killed run is stale by construction: the file
 * may remain, its lock does not. Within one JVM acquiring again is counted (the CLI takes it before writing the
 * tokenizer, the trainer again around the run).
 */
public final class RunLock implements AutoCloseable {
    /** The lock file in a run folder. */
    public static final String FILE = "run.lock";
    private static final Map<Path, Held> HELD = new HashMap<>();

    private record Held(FileChannel channel, FileLock lock, int[] count, Thread owner) {
    }

    private final Path key;
    private boolean closed;

    private RunLock(Path key) {
        this.key = key;
    }

    /**
     * Takes the lock of run folder {@code dir} (created if missing).
     *
     * @throws UserInputException when another writer holds it, naming that writer
     */
    public static RunLock acquire(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserInputException(dir + ": not a folder (it is a file); a run needs a folder of its own");
        }
        Files.createDirectories(dir);
        if (!Files.isWritable(dir)) {
            throw new UserInputException(dir + ": the run folder is not writable");
        }
        Path file = dir.resolve(FILE);
        Path key = file.toAbsolutePath().normalize();
        synchronized (HELD) {
            Held h = HELD.get(key);
            if (h != null) {
                if (h.owner() != Thread.currentThread()) {
                    throw busy(dir, file, "another thread of this process (" + h.owner().getName() + ")");
                }
                h.count()[0]++;
                return new RunLock(key);
            }
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = holder(ch);
                ch.close();
                throw busy(dir, file, holder);
            }
            String me = "pid " + ProcessHandle.current().pid() + " on " + host() + " since " + Instant.now();
            try {
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((me + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                ch.force(true);
            } catch (IOException | RuntimeException e) {
                lock.release(); // a lock we cannot name ourselves in is not taken: leave the folder free
                ch.close();
                throw e;
            }
            HELD.put(key, new Held(ch, lock, new int[]{1}, Thread.currentThread()));
            return new RunLock(key);
        }
    }

    private static UserInputException busy(Path dir, Path file, String holder) {
        return new UserInputException("run folder " + dir + " is in use by " + holder + " (" + file
                + "); wait for that run to end or choose another folder");
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(512);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "another process" : s;
        } catch (IOException e) {
            return "another process";
        }
    }

    private static String host() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return Files.readString(Path.of("/etc/hostname")).strip(); // no name lookup: it may wait on the network
        } catch (IOException | RuntimeException e) {
            return "this host";
        }
    }

    /** Releases this hold; the lock itself goes when the last hold in this process is released. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (HELD) {
            Held h = HELD.get(key);
            if (h != null && --h.count()[0] == 0) {
                HELD.remove(key);
                h.lock().release();
                h.channel().close();
            }
        }
    }
}
