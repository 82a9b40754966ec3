package io.fusion4j.eval.data;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.io.SafetensorsFile;
import io.fusion4j.api.io.TensorEntry;
import io.fusion4j.api.tensor.DType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * Pre-tokenized training rows from a safetensors file, trained on exactly as given: tensor {@value #TOKENS}, I32
 * {@code [N, T+1]} (row {@code r}'s inputs are its first T ids, its targets the last T), optional {@value #MODALITY},
 * I32 {@code [N, T+1]} (0 text, 1 image, per token), and in {@code __metadata__} the vocabulary: {@code vocab} (the
 * size, required) and optionally {@code image_offset} and {@code image_codes} (the image-code range, from which
 * modality is derived when the file has no modality rows), {@code bos}, {@code eos}, {@code boi}, {@code eoi}. People
 * tokenize once and train many times, and another framework's token stream trains bit for bit.
 */
public final class TokenRows {
    public static final String TOKENS = "tokens";
    public static final String MODALITY = "modality";
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final int[] tokens;
    private final byte[] modality;
    private final int rows;
    private final int length;
    private final int vocab;
    private final Map<String, String> metadata;

    private TokenRows(int[] tokens, byte[] modality, int rows, int length, int vocab, Map<String, String> metadata) {
        this.tokens = tokens;
        this.modality = modality;
        this.rows = rows;
        this.length = length;
        this.vocab = vocab;
        this.metadata = metadata;
    }

    /** Reads and checks {@code file}; every problem names the file, the tensor or field, and what was found. */
    public static TokenRows read(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorEntry t = f.entries().get(TOKENS);
            if (t == null || t.dtype() != DType.I32 || t.shape().rank() != 2 || t.shape().dim(1) < 2) {
                throw new UserInputException(file + ": expected an I32 tensor '" + TOKENS + "' of shape [N, T+1] with"
                        + " T >= 1, found " + (t == null ? "none" : t.dtype() + " " + t.shape()));
            }
            if (t.shape().numel() > MAX_ELEMENTS) {
                throw new UserInputException(file + ": '" + TOKENS + "' holds " + t.shape().numel() + " ids, more than "
                        + MAX_ELEMENTS + " fit one array");
            }
            int n = (int) t.shape().dim(0);
            int width = (int) t.shape().dim(1);
            Map<String, String> meta = f.metadata();
            int vocab = intField(file, meta, "vocab", -1);
            if (vocab < 1) {
                throw new UserInputException(file + ": __metadata__ needs \"vocab\", the vocabulary size (a positive integer)");
            }
            int[] ids = new int[n * width];
            f.readInts(TOKENS, ids);
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] < 0 || ids[i] >= vocab) {
                    throw new UserInputException(file + ": '" + TOKENS + "' row " + i / width + " position " + i % width
                            + " holds id " + ids[i] + ", outside the vocabulary [0, " + vocab + ")");
                }
            }
            byte[] mod = new byte[ids.length];
            TensorEntry m = f.entries().get(MODALITY);
            if (m != null) {
                if (m.dtype() != DType.I32 || !m.shape().equals(t.shape())) {
                    throw new UserInputException(file + ": '" + MODALITY + "' must be I32 of the shape of '" + TOKENS
                            + "' " + t.shape() + ", found " + m.dtype() + " " + m.shape());
                }
                int[] codes = new int[ids.length];
                f.readInts(MODALITY, codes);
                for (int i = 0; i < codes.length; i++) {
                    if (codes[i] < 0 || codes[i] >= Modality.values().length) {
                        throw new UserInputException(file + ": '" + MODALITY + "' row " + i / width + " position "
                                + i % width + " holds " + codes[i] + "; expected 0 (text) or 1 (image)");
                    }
                    mod[i] = (byte) codes[i];
                }
            } else {
                int offset = intField(file, meta, "image_offset", vocab);
                int count = intField(file, meta, "image_codes", 0);
                for (int i = 0; i < ids.length; i++) {
                    mod[i] = (byte) (ids[i] >= offset && ids[i] < offset + count ? Modality.IMAGE.ordinal() : 0);
                }
            }
            for (String key : List.of("bos", "eos", "boi", "eoi")) {
                int id = intField(file, meta, key, 0);
                if (id < 0 || id >= vocab) {
                    throw new UserInputException(file + ": __metadata__ \"" + key + "\" is " + id + ", outside [0, "
                            + vocab + ")");
                }
            }
            return new TokenRows(ids, mod, n, width - 1, vocab, meta);
        }
    }

    private static int intField(Path file, Map<String, String> meta, String key, int absent) {
        String v = meta.get(key);
        if (v == null) {
            return absent;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UserInputException(file + ": __metadata__ \"" + key + "\" must be an integer, found \"" + v + "\"");
        }
    }

    /** Rows in the file. */
    public int count() {
        return rows;
    }

    /** T: the positions a row trains (its width minus one). */
    public int length() {
        return length;
    }

    public int vocab() {
        return vocab;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Rows {@code picks} as a batch: inputs are each row's first T ids, targets its last T, as given. */
    public MixedBatch batch(int[] picks, DataPosition after) {
        int w = length + 1;
        int n = picks.length * length;
        int[] ids = new int[n];
        int[] tg = new int[n];
        byte[] mod = new byte[n];
        byte[] tmod = new byte[n];
        for (int b = 0; b < picks.length; b++) {
            int src = picks[b] * w;
            System.arraycopy(tokens, src, ids, b * length, length);
            System.arraycopy(tokens, src + 1, tg, b * length, length);
            System.arraycopy(modality, src, mod, b * length, length);
            System.arraycopy(modality, src + 1, tmod, b * length, length);
        }
        int[] valid = new int[picks.length];
        Arrays.fill(valid, length);
        return new MixedBatch(picks.length, length, ids, tg, mod, tmod, valid, new int[picks.length][0], List.of(), null,
                0, after);
    }

    /** Batches of {@code batchSize} rows in the order of {@link DataOrder} for {@code seed}, endless. */
    public BatchSource<MixedBatch> source(int batchSize, long seed) {
        if (batchSize < 1 || batchSize > rows) {
            throw new UserInputException("the batch size must be in [1, " + rows + "] for these " + rows + " rows, got "
                    + batchSize);
        }
        return from -> {
            long start = from.epoch() * rows + from.index(); // global sample number
            long[] epoch = {-1}; // the epoch whose permutation is held: one shuffle an epoch, not one a batch
            int[][] perm = new int[1][];
            return LongStream.iterate(start, i -> i + batchSize).mapToObj(first -> {
                int[] picks = new int[batchSize];
                for (int k = 0; k < batchSize; k++) {
                    long g = first + k;
                    if (g / rows != epoch[0]) {
                        epoch[0] = g / rows;
                        perm[0] = DataOrder.permutation(seed, epoch[0], rows);
                    }
                    picks[k] = perm[0][(int) (g % rows)];
                }
                long next = first + batchSize;
                return batch(picks, new DataPosition(next / rows, next % rows));
            });
        };
    }

    /** The fingerprint of these rows as read from {@code source}. */
    public DataFingerprint fingerprint(String source) {
        return DataFingerprint.of(source, tokens);
    }

    /** Every row's modality, for tests: the code at row {@code r}, position {@code t} of the file. */
    byte modalityAt(int r, int t) {
        return modality[r * (length + 1) + t];
    }
}
