package io.fusion4j.eval.data.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small .tgz archives in tests, including the kinds of member a safe extractor must refuse. */
final class TarWriter {
    /** One member: {@code type} is the ustar type flag. */
    record Member(String name, char type, byte[] content, String link) {
        static Member file(String name, String text) {
            return new Member(name, '0', text.getBytes(StandardCharsets.UTF_8), "");
        }

        static Member dir(String name) {
            return new Member(name, '5', new byte[0], "");
        }

        static Member link(String name, char type, String target) {
            return new Member(name, type, new byte[0], target);
        }
    }

    private TarWriter() {
    }

    /** A gzipped tar of {@code members}, names over 100 bytes written as GNU long names. */
    static byte[] tgz(Member... members) {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        for (Member m : members) {
            byte[] name = m.name().getBytes(StandardCharsets.UTF_8);
            if (name.length > 100) {
                tar.writeBytes(header("././@LongLink", 'L', name.length + 1, ""));
                tar.writeBytes(padded(concat(name, new byte[1])));
            }
            tar.writeBytes(header(m.name(), m.type(), m.content().length, m.link()));
            tar.writeBytes(padded(m.content()));
        }
        tar.writeBytes(new byte[1024]);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return gz.toByteArray();
    }

    /** Writes {@link #tgz} to {@code file}. */
    static Path write(Path file, Member... members) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, tgz(members));
    }

    private static byte[] header(String name, char type, long size, String link) {
        byte[] h = new byte[512];
        put(h, 0, 100, name);
        put(h, 100, 8, "0000644");
        put(h, 108, 8, "0000000");
        put(h, 116, 8, "0000000");
        put(h, 124, 12, String.format("%011o", size));
        put(h, 136, 12, String.format("%011o", 0));
        h[156] = (byte) type;
        put(h, 157, 100, link);
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, 8, String.format("%06o", sum));
        return h;
    }

    private static void put(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, Math.min(len, b.length));
    }

    private static byte[] padded(byte[] b) {
        return java.util.Arrays.copyOf(b, (b.length + 511) / 512 * 512);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
