package io.fusion4j.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A checkpoint folder's {@code manifest.json}: SHA-256 and size of each file. Shared by the full
 * restore ({@link CheckpointStore#load}) and the weights-only one ({@link WeightLoader}), which need
 * different files listed but verify them the same way.
 */
final class CheckpointManifest {
    static final String FILE = "manifest.json";

    private CheckpointManifest() {
    }

    /** The manifest text for {@code files} of {@code folder}, in that order. */
    static String of(Path folder, String... files) throws IOException {
        StringBuilder manifest = new StringBuilder("{");
        for (int i = 0; i < files.length; i++) {
            Path f = folder.resolve(files[i]);
            manifest.append(i == 0 ? "" : ",").append(HeaderJson.quote(files[i])).append(":{\"sha256\":\"")
                    .append(sha256(f)).append("\",\"bytes\":").append(Files.size(f)).append('}');
        }
        return manifest.append("}\n").toString();
    }

    /**
     * Checks that the manifest of {@code folder} lists every file of {@code required} and that every file
     * it lists exists with the recorded size and SHA-256 (a listed file the caller does not read is still
     * checked: a manifest that does not match its folder means the folder is not what was written).
     */
    static void verify(Path folder, String... required) throws IOException {
        Path manifestFile = folder.resolve(FILE);
        if (!Files.exists(manifestFile)) {
            throw new IOException(FILE + " is missing");
        }
        Map<String, Object> manifest = HeaderJson.parseObject(BoundedText.read(manifestFile, BoundedText.SMALL), 0,
                manifestFile.toString());
        for (String f : required) {
            if (!(manifest.get(f) instanceof Map<?, ?>)) {
                throw new IOException(FILE + " lists no " + f);
            }
        }
        for (Map.Entry<String, Object> e : manifest.entrySet()) {
            String f = e.getKey();
            if (!(e.getValue() instanceof Map<?, ?> entry)) {
                throw new IOException(FILE + " entry " + f + " is not an object with sha256 and bytes");
            }
            Path file = folder.resolve(f);
            if (!file.normalize().startsWith(folder.normalize())) {
                throw new IOException(FILE + " names a file outside the checkpoint: " + f);
            }
            if (!Files.isRegularFile(file)) {
                throw new IOException(f + " is missing");
            }
            long bytes = Files.size(file);
            if (!Long.valueOf(bytes).equals(entry.get("bytes"))) {
                throw new IOException(f + " has " + bytes + " bytes, the manifest says " + entry.get("bytes"));
            }
            String sum = sha256(file);
            if (!sum.equals(entry.get("sha256"))) {
                throw new IOException(f + " fails its SHA-256 check (" + sum + ", manifest " + entry.get("sha256") + ")");
            }
        }
    }

    static String sha256(Path f) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            while (ch.read(b) > 0) {
                b.flip();
                d.update(b);
                b.clear();
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
