package io.fusion4j.api.data;

import io.fusion4j.api.backend.AttentionMask;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A batch of mixed-modal sequences on the host, {@code rows × length} positions in row-major order:
 * <ul>
 *   <li>{@code ids}: the input token at each position (text BPE ids, discrete image codes, markers; a continuous
 *       image position holds any id, usually 0, and its vector in {@code imageInputs});</li>
 *   <li>{@code targets}: what the output at each position is trained to predict, or {@link #IGNORE} for no loss
 *       (padding, positions whose next token is an image patch in Transfusion, ...);</li>
 *   <li>{@code modality} and {@code targetModality}: the modality of each input and of each target (MoMa splits its
 *       losses by the target's modality);</li>
 *   <li>{@code validLength} per row (positions past it are padding) and {@code documentStarts} per row (positions
 *       where a new document begins; attention never crosses a start);</li>
 *   <li>{@code images}: the image spans, sorted by row and start, and optionally {@code imageInputs}, continuous
 *       vectors of {@code imageInputWidth} floats for every position of every span in that order (latent patches);</li>
 *   <li>{@code position}: the data position after this batch.</li>
 * </ul>
 * A text-only batch ({@link #textOnly}) is the case with no images, every position valid and one document a row.
 * The arrays are not copied: do not modify them after construction.
 */
public record MixedBatch(int rows, int length, int[] ids, int[] targets, byte[] modality, byte[] targetModality,
                         int[] validLength, int[][] documentStarts, List<ImageSpan> images, float[] imageInputs,
                         int imageInputWidth, DataPosition position) implements Batch<MixedBatch> {
    /** The target of a position that takes no loss. */
    public static final int IGNORE = -1;

    public MixedBatch {
        if (rows < 1 || length < 1) {
            throw new IllegalArgumentException("a batch needs rows >= 1 and length >= 1, found rows=" + rows + " length="
                    + length);
        }
        int n = rows * length;
        need("ids", ids.length, n);
        need("targets", targets.length, n);
        need("modality", modality.length, n);
        need("targetModality", targetModality.length, n);
        need("validLength", validLength.length, rows);
        need("documentStarts", documentStarts.length, rows);
        for (int i = 0; i < n; i++) {
            Modality.of(modality[i]);
            Modality.of(targetModality[i]);
            if (targets[i] < IGNORE) {
                throw new IllegalArgumentException("targets[" + i + "]: expected a token id or " + IGNORE + ", found "
                        + targets[i]);
            }
        }
        for (int r = 0; r < rows; r++) {
            if (validLength[r] < 0 || validLength[r] > length) {
                throw new IllegalArgumentException("validLength[" + r + "]: expected 0.." + length + ", found "
                        + validLength[r]);
            }
            int prev = 0;
            for (int s : documentStarts[r]) {
                if (s <= prev || s >= length) {
                    throw new IllegalArgumentException("documentStarts[" + r + "]: expected increasing positions in [1, "
                            + length + "), found " + Arrays.toString(documentStarts[r]));
                }
                prev = s;
            }
        }
        images = images.stream().sorted(Comparator.comparingInt(ImageSpan::row).thenComparingInt(ImageSpan::start))
                .toList();
        long imagePositions = 0;
        for (ImageSpan s : images) {
            if (s.row() >= rows || s.end() > length) {
                throw new IllegalArgumentException("image span " + s + " lies outside the " + rows + "x" + length
                        + " batch");
            }
            imagePositions += s.length();
        }
        if (imageInputs != null) {
            if (imageInputWidth < 1 || imageInputs.length != imagePositions * imageInputWidth) {
                throw new IllegalArgumentException("imageInputs: expected " + imagePositions + " positions x width "
                        + imageInputWidth + " floats, found " + imageInputs.length);
            }
        } else if (imageInputWidth != 0) {
            throw new IllegalArgumentException("imageInputWidth is " + imageInputWidth + " but there are no imageInputs");
        }
        position = position == null ? DataPosition.START : position;
    }

    private static void need(String field, int found, int expected) {
        if (found != expected) {
            throw new IllegalArgumentException(field + ": expected " + expected + " entries, found " + found);
        }
    }

    /** Text sequences that fill every row: one document a row, no padding, no image. */
    public static MixedBatch textOnly(int rows, int length, int[] ids, int[] targets, DataPosition position) {
        int[] valid = new int[rows];
        Arrays.fill(valid, length);
        return new MixedBatch(rows, length, ids, targets, new byte[rows * length], new byte[rows * length], valid,
                new int[rows][0], List.of(), null, 0, position);
    }

    @Override
    public long tokenCount() {
        long t = 0;
        for (int v : validLength) {
            t += v;
        }
        return t;
    }

    /** Positions that take a loss (target not {@link #IGNORE}) inside the valid length. */
    public long targetCount() {
        return targetCount(null);
    }

    /** Positions that take a loss and whose target has modality {@code m} (all modalities for null). */
    public long targetCount(Modality m) {
        long c = 0;
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < validLength[r]; t++) {
                int i = r * length + t;
                if (targets[i] != IGNORE && (m == null || targetModality[i] == m.ordinal())) {
                    c++;
                }
            }
        }
        return c;
    }

    /** Targets with padding and out-of-modality positions set to {@link #IGNORE} (all modalities for null). */
    public int[] targetsFor(Modality m) {
        int[] out = targets.clone();
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < length; t++) {
                int i = r * length + t;
                if (t >= validLength[r] || (m != null && targetModality[i] != m.ordinal())) {
                    out[i] = IGNORE;
                }
            }
        }
        return out;
    }

    /** The modality of the input at {@code t} of row {@code row}. */
    public Modality modalityAt(int row, int t) {
        return Modality.of(modality[row * length + t]);
    }

    /**
     * Position ids for RoPE: {@code t} within the row, counted from 0 at the start of each row (documents packed into
     * one row keep counting; their attention is cut at the start, their position ids are not).
     */
    public int[] positions() {
        int[] p = new int[rows * length];
        for (int i = 0; i < p.length; i++) {
            p[i] = i % length;
        }
        return p;
    }

    /**
     * The attention mask: causal within each document, nothing past the valid length, and each image span
     * bidirectional when {@code bidirectionalImages} (Transfusion) or causal like text (MoMa's discrete tokens).
     */
    public AttentionMask mask(boolean bidirectionalImages) {
        AttentionMask.Builder b = AttentionMask.builder(rows, length).causal(true);
        for (int r = 0; r < rows; r++) {
            for (int s : documentStarts[r]) {
                b.documentStart(r, s);
            }
            b.validLength(r, validLength[r]);
        }
        if (bidirectionalImages) {
            for (ImageSpan s : images) {
                b.bidirectionalSpan(s.row(), s.start(), s.end());
            }
        }
        return b.build();
    }

    @Override
    public MixedBatch microBatch(int k, int n) {
        if (n < 1 || rows % n != 0 || k < 0 || k >= n) {
            throw new IllegalArgumentException("micro-batch " + k + " of " + n + ": the count must divide the batch's "
                    + rows + " rows and k lie in [0, n)");
        }
        if (n == 1) {
            return this;
        }
        int per = rows / n;
        int r0 = k * per;
        int from = r0 * length;
        int to = (r0 + per) * length;
        List<ImageSpan> spans = new ArrayList<>();
        int inputFrom = 0;
        int inputTo = 0;
        int seen = 0;
        for (ImageSpan s : images) {
            if (s.row() < r0) {
                inputFrom += s.length();
            } else if (s.row() < r0 + per) {
                spans.add(new ImageSpan(s.row() - r0, s.start(), s.end()));
                seen += s.length();
            }
        }
        inputTo = inputFrom + seen;
        float[] inputs = imageInputs == null ? null
                : Arrays.copyOfRange(imageInputs, inputFrom * imageInputWidth, inputTo * imageInputWidth);
        return new MixedBatch(per, length, Arrays.copyOfRange(ids, from, to), Arrays.copyOfRange(targets, from, to),
                Arrays.copyOfRange(modality, from, to), Arrays.copyOfRange(targetModality, from, to),
                Arrays.copyOfRange(validLength, r0, r0 + per), Arrays.copyOfRange(documentStarts, r0, r0 + per), spans,
                inputs, imageInputs == null ? 0 : imageInputWidth, position);
    }
}
