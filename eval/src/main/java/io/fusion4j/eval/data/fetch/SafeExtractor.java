package io.fusion4j.eval.data.fetch;

import io.fusion4j.api.UserInputException;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPInputStream;

/**
 * Unpacks a {@code .tgz} into a folder that does not exist yet, refusing anything that could write elsewhere or
 * without bound: absolute names, {@code ..}, symbolic and hard links, devices and FIFOs, a member or a total past
 * {@link ExtractionLimits}, a name twice. Members go into a temporary sibling folder that is renamed to the target
 * only when the whole archive has been read, so a refused or broken archive leaves no target behind.
 */
public final class SafeExtractor {
    private final ExtractionLimits limits;
    private final Progress progress;

    /** @param progress where entries and bytes are reported while unpacking */
    public SafeExtractor(ExtractionLimits limits, Progress progress) {
        this.limits = limits;
        this.progress = progress;
    }

    /**
     * Unpacks {@code tgz} into {@code target}, which must not exist; returns the number of members written.
     *
     * @throws UserInputException an unsafe or malformed member, named
     * @throws IOException        reading the archive or writing the folder failed
     */
    public int extract(Path tgz, Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, ".extract-");
        try {
            int n = unpack(tgz, tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return n;
        } catch (Throwable t) {
            Tree.deleteQuietly(tmp, t);
            throw t;
        }
    }

    private int unpack(Path tgz, Path root) throws IOException {
        String archive = tgz.getFileName().toString();
        long compressed = Files.size(tgz);
        try (Counting raw = new Counting(new BufferedInputStream(Files.newInputStream(tgz), 1 << 16));
             InputStream in = new GZIPInputStream(raw, 1 << 16)) {
            TarReader tar = new TarReader(in, archive);
            int entries = 0;
            long total = 0;
            for (TarEntry e = tar.next(); e != null; e = tar.next()) {
                if (++entries > limits.maxEntries()) {
                    throw refuse(archive, e, "is past the limit of " + limits.maxEntries() + " members");
                }
                Path out = resolve(archive, root, e);
                switch (e.type()) {
                    case DIRECTORY -> {
                        try {
                            Files.createDirectories(out);
                        } catch (FileAlreadyExistsException x) {
                            throw refuse(archive, e, "is a folder where the archive already put a file");
                        }
                    }
                    case FILE -> {
                        if (e.size() > limits.maxEntryBytes()) {
                            throw refuse(archive, e, "is " + e.size() + " bytes, more than the limit of "
                                    + limits.maxEntryBytes() + " per member");
                        }
                        total += e.size();
                        if (total > limits.maxTotalBytes()) {
                            throw refuse(archive, e, "takes the archive past the limit of " + limits.maxTotalBytes()
                                    + " bytes in all");
                        }
                        write(archive, e, tar.content(), out);
                    }
                    case SYMLINK -> throw refuse(archive, e, "is a symbolic link (to " + e.linkName() + ")");
                    case HARD_LINK -> throw refuse(archive, e, "is a hard link (to " + e.linkName() + ")");
                    case DEVICE -> throw refuse(archive, e, "is a device file");
                    case FIFO -> throw refuse(archive, e, "is a FIFO");
                    case OTHER -> throw refuse(archive, e, "is of a tar member type this reader does not unpack");
                }
                progress.update("unpacking " + archive, raw.count, compressed,
                        String.format("%,d entries, %s", entries, Progress.megabytes(total)));
            }
            progress.finish("unpacking " + archive, compressed, compressed,
                    String.format("%,d entries, %s", entries, Progress.megabytes(total)));
            return entries;
        }
    }

    /**
     * Where a member goes under {@code root}. Names are checked as text first (absolute, drive letters, backslashes,
     * {@code ..}), and the resolved path is checked to lie under the root as well, so a rule missed in one place is
     * caught in the other.
     */
    private static Path resolve(String archive, Path root, TarEntry e) {
        String name = e.name();
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            throw refuse(archive, e, "has an empty or malformed name");
        }
        if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
            throw refuse(archive, e, "has an absolute path");
        }
        if (name.indexOf('\\') >= 0) {
            throw refuse(archive, e, "has a backslash in its name (a Windows path?)");
        }
        Path out = root;
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw refuse(archive, e, "has '..' in its path");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                out = out.resolve(part);
            }
        }
        if (out.equals(root) && e.type() != TarEntry.Type.DIRECTORY) {
            throw refuse(archive, e, "has no file name");
        }
        if (!out.normalize().startsWith(root)) {
            throw refuse(archive, e, "would be written outside the target folder");
        }
        return out;
    }

    private void write(String archive, TarEntry e, InputStream content, Path out) throws IOException {
        try {
            Files.createDirectories(out.getParent());
        } catch (FileAlreadyExistsException x) {
            throw refuse(archive, e, "lies under a name the archive already used for a file");
        }
        try (OutputStream o = Files.newOutputStream(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long copied = content.transferTo(o);
            if (copied != e.size()) {
                throw refuse(archive, e, "ends after " + copied + " of its " + e.size() + " bytes");
            }
        } catch (FileAlreadyExistsException x) {
            throw refuse(archive, e, "appears twice (or under a name that differs only in case)");
        }
    }

    private static UserInputException refuse(String archive, TarEntry e, String why) {
        return new UserInputException(archive + ": refused entry '" + e.name() + "': it " + why + "; nothing was unpacked");
    }

    /** Counts the compressed bytes read, for progress. */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b >= 0 ? 1 : 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(n, 0);
            return n;
        }
    }
}
