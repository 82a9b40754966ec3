package io.fusion4j.eval.data.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The SHA-256 of a file, read in blocks with progress (the emoji tarball is 62 MB). */
final class Sha256 {
    private Sha256() {
    }

    /** Lower-case hex SHA-256 of {@code file}, reporting bytes read to {@code progress} as {@code what}. */
    static String of(Path file, Progress progress, String what) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        long size = Files.size(file);
        long done = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
                done += n;
                progress.update(what, done, size, Progress.megabytes(done));
            }
        }
        progress.finish(what, done, size, Progress.megabytes(done));
        return HexFormat.of().formatHex(d.digest());
    }
}
