package io.fusion4j.eval.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusion4j.api.UserInputException;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a run trained on: where the text came from, how many tokens it made and the SHA-256 of those tokens. Kept as
 * {@value #FILE} in every checkpoint, so a resumed run can tell that its data changed under it.
 */
public record DataFingerprint(String source, long tokens, String sha256) {
    public static final String FILE = "data.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The fingerprint of the token stream {@code tokens} read from {@code source}. */
    public static DataFingerprint of(String source, int[] tokens) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer b = ByteBuffer.allocate(4 * 4096);
        for (int i = 0; i < tokens.length; i++) {
            b.putInt(tokens[i]);
            if (!b.hasRemaining() || i == tokens.length - 1) {
                d.update(b.array(), 0, b.position());
                b.clear();
            }
        }
        return new DataFingerprint(source, tokens.length, HexFormat.of().formatHex(d.digest()));
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static DataFingerprint fromJson(String text, String where) {
        try {
            return JSON.readValue(text, DataFingerprint.class);
        } catch (JsonProcessingException e) {
            throw new UserInputException(where + ": not a data fingerprint: " + e.getOriginalMessage());
        }
    }

    /** {@code "builtin (412,345 tokens, sha256 1a2b3c4d…)"}. */
    public String describe() {
        return String.format("%s (%,d tokens, sha256 %s…)", source, tokens, sha256.substring(0, Math.min(8, sha256.length())));
    }
}
