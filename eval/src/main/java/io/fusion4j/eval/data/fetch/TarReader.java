package io.fusion4j.eval.data.fetch;

import io.fusion4j.api.UserInputException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal reader of tar streams: ustar headers (with the {@code prefix} field), GNU long names ({@code L},
 * {@code K}) and the {@code path}, {@code linkpath} and {@code size} records of PAX headers ({@code x}; global
 * {@code g} headers are skipped). That covers what {@code npm pack} writes. It only parses: whether a member is
 * safe to write is {@link SafeExtractor}'s decision.
 */
final class TarReader {
    private static final int BLOCK = 512;
    /** Long-name and PAX records are a few hundred bytes; anything larger is refused instead of buffered. */
    private static final int MAX_META = 64 * 1024;

    private final InputStream in;
    private final String archive;
    private long remaining;
    private long padding;

    /** @param archive the archive's name, for messages */
    TarReader(InputStream in, String archive) {
        this.in = in;
        this.archive = archive;
    }

    /** The next member, or null at the end of the archive; its content is read with {@link #content()}. */
    TarEntry next() throws IOException {
        skipRest();
        String longName = null;
        String longLink = null;
        Long paxSize = null;
        while (true) {
            byte[] h = new byte[BLOCK];
            if (!readBlock(h, true)) {
                return null;
            }
            if (isZero(h)) {
                // The end marker is two zero blocks; one is enough to stop, and writers that pad differently are fine.
                return null;
            }
            checkChecksum(h);
            byte flag = h[156];
            long size = number(h, 124, 12);
            if (flag == 'L' || flag == 'K' || flag == 'x' || flag == 'g') {
                byte[] raw = readMeta(size);
                String meta = new String(raw, StandardCharsets.UTF_8);
                switch (flag) {
                    case 'L' -> longName = cString(meta);
                    case 'K' -> longLink = cString(meta);
                    case 'x' -> {
                        String p = pax(raw, "path");
                        longName = p != null ? p : longName;
                        String l = pax(raw, "linkpath");
                        longLink = l != null ? l : longLink;
                        String s = pax(raw, "size");
                        paxSize = s != null ? parseSize(s) : paxSize;
                    }
                    default -> { } // a global header sets defaults (times, owners) that extraction ignores
                }
                continue;
            }
            String name = longName != null ? longName : ustarName(h);
            String link = longLink != null ? longLink : field(h, 157, 100);
            long entrySize = paxSize != null ? paxSize : size;
            TarEntry.Type type = TarEntry.Type.of(flag);
            // Links and directories carry no content whatever their size field says; others carry entrySize bytes.
            remaining = type == TarEntry.Type.FILE || type == TarEntry.Type.OTHER ? entrySize : 0;
            padding = pad(remaining);
            return new TarEntry(name, type, entrySize, link);
        }
    }

    /** The current member's content; read it fully or not at all ({@link #next()} skips what is left). */
    InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw truncated();
                }
                remaining -= n;
                return n;
            }
        };
    }

    private void skipRest() throws IOException {
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
    }

    private void skip(long n) throws IOException {
        byte[] buf = new byte[8192];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw truncated();
            }
            n -= r;
        }
    }

    private byte[] readMeta(long size) throws IOException {
        if (size > MAX_META) {
            throw new UserInputException(archive + ": a long-name or PAX header of " + size + " bytes (more than "
                    + MAX_META + ")");
        }
        byte[] b = in.readNBytes((int) size);
        if (b.length < size) {
            throw truncated();
        }
        skip(pad(size));
        return b;
    }

    private boolean readBlock(byte[] h, boolean eofAllowed) throws IOException {
        int n = in.readNBytes(h, 0, BLOCK);
        if (n == 0 && eofAllowed) {
            return false;
        }
        if (n < BLOCK) {
            throw truncated();
        }
        return true;
    }

    private void checkChecksum(byte[] h) {
        long stored;
        try {
            stored = number(h, 148, 8);
        } catch (UserInputException e) {
            throw notTar();
        }
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
        }
        if (sum != stored) {
            throw notTar();
        }
    }

    private String ustarName(byte[] h) {
        String name = field(h, 0, 100);
        boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r';
        String prefix = ustar ? field(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** An octal field, or base-256 (GNU) when the first byte's high bit is set. */
    private long number(byte[] h, int off, int len) {
        if ((h[off] & 0x80) != 0) {
            long v = h[off] & 0x7f;
            for (int i = off + 1; i < off + len; i++) {
                if (v > (Long.MAX_VALUE >> 8)) {
                    throw badNumber();
                }
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        boolean any = false;
        for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
            if (v > (Long.MAX_VALUE >> 3)) {
                throw badNumber();
            }
            v = (v << 3) | (h[i] - '0');
            any = true;
        }
        for (; i < end; i++) {
            if (h[i] != ' ' && h[i] != 0) {
                throw badNumber();
            }
        }
        if (!any && h[off] != 0 && h[off] != ' ') {
            throw badNumber();
        }
        return v;
    }

    private static String field(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    private static String cString(String s) {
        int nul = s.indexOf('\0');
        return nul < 0 ? s : s.substring(0, nul);
    }

    /** The value of {@code key} in PAX records ({@code "LEN key=value\n"}), or null. */
    private String pax(byte[] all, String key) {
        String found = null;
        int i = 0;
        while (i < all.length) {
            int space = i;
            while (space < all.length && all[space] != ' ') {
                space++;
            }
            int len;
            try {
                len = Integer.parseInt(new String(all, i, space - i, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new UserInputException(archive + ": a malformed PAX header");
            }
            if (len < space - i + 2 || i + len > all.length || all[i + len - 1] != '\n') {
                throw new UserInputException(archive + ": a malformed PAX header");
            }
            String record = new String(all, space + 1, i + len - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq > 0 && record.substring(0, eq).equals(key)) {
                found = record.substring(eq + 1);
            }
            i += len;
        }
        return found;
    }

    private long parseSize(String s) {
        try {
            long v = Long.parseLong(s.strip());
            if (v < 0) {
                throw badNumber();
            }
            return v;
        } catch (NumberFormatException e) {
            throw badNumber();
        }
    }

    private static long pad(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static boolean isZero(byte[] h) {
        for (byte b : h) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private UserInputException badNumber() {
        return new UserInputException(archive + ": a tar header with a malformed number");
    }

    private UserInputException notTar() {
        return new UserInputException(archive + ": not a tar archive (bad header checksum)");
    }

    private EOFException truncated() {
        return new EOFException(archive + ": truncated archive");
    }
}
