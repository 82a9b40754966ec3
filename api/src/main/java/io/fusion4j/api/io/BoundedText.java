package io.fusion4j.api.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a small text file of a run (manifest, trainer state, config, tokenizer) with a size cap and strict UTF-8, so
 * a huge or binary file is an error that names the file, never an out-of-memory or a bare "Input length = 1".
 */
public final class BoundedText {
    /** The cap for the JSON files of a checkpoint. */
    public static final long SMALL = 1 << 20;

    private BoundedText() {
    }

    /** The UTF-8 text of {@code file}, at most {@code maxBytes} long. */
    public static String read(Path file, long maxBytes) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file");
        }
        long size = Files.size(file);
        if (size > maxBytes) {
            throw new IOException(file + ": " + size + " bytes, more than the " + maxBytes + " such a file may have");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) maxBytes + 1);
        }
        if (bytes.length > maxBytes) {
            throw new IOException(file + ": grew past " + maxBytes + " bytes while being read");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text (" + firstBadByte(bytes) + ")");
        }
    }

    /** Where the first byte that is not valid UTF-8 sits. */
    private static String firstBadByte(byte[] b) {
        var dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b);
        var out = java.nio.CharBuffer.allocate(b.length + 1);
        var r = dec.decode(in, out, true);
        return r.isError() ? "an invalid byte sequence at byte " + in.position() : "invalid UTF-8";
    }
}
