package io.fusion4j.api.data;

import java.util.ArrayList;
import java.util.List;

/**
 * One document of the mixed stream laid out as positions before packing: input ids, input modalities, targets and
 * target modalities, and where each image block ({@code BOI <image> EOI}) sits, so the packer can cut the document
 * without splitting an image. Package-private: only {@link MixedSequenceSource} builds and packs these.
 *
 * @param blocks per image, {@code {boi, firstImagePosition, endImage, afterEoi}} in document coordinates
 * @param patches continuous patch vectors of all images in order, or null for discrete or text-only documents
 */
record LaidOutDocument(int[] ids, byte[] modality, int[] targets, byte[] targetModality, List<int[]> blocks,
                       float[] patches, int patchWidth) {
    private static final byte TEXT = (byte) Modality.TEXT.ordinal();
    private static final byte IMAGE = (byte) Modality.IMAGE.ordinal();

    int length() {
        return ids.length;
    }

    /** {@code BOS text EOS}. */
    static LaidOutDocument text(int[] text, Vocabulary v) {
        Layout l = new Layout(text.length + 2);
        l.text(v.bos());
        l.caption(text, v);
        l.text(v.eos());
        return l.finish();
    }

    /** {@code BOS caption BOI <image> EOI EOS} when {@code captionFirst}, else {@code BOS BOI <image> EOI caption EOS}. */
    static LaidOutDocument pair(int[] caption, ImageTokens image, boolean captionFirst, Vocabulary v) {
        Layout l = new Layout(caption.length + image.length() + 4);
        l.text(v.bos());
        if (captionFirst) {
            l.caption(caption, v);
        }
        l.image(image, v);
        if (!captionFirst) {
            l.caption(caption, v);
        }
        l.text(v.eos());
        return l.finish();
    }

    /** Fills positions in order, then derives the targets from the inputs. */
    private static final class Layout {
        final int[] ids;
        final byte[] modality;
        // Both false at continuous patches: the diffusion loss trains them, so they neither are nor make targets.
        final boolean[] predicted;
        final boolean[] predicts;
        final List<int[]> blocks = new ArrayList<>();
        float[] patches;
        int patchWidth;
        int n;

        Layout(int length) {
            ids = new int[length];
            modality = new byte[length];
            predicted = new boolean[length];
            predicts = new boolean[length];
        }

        void text(int id) {
            ids[n] = id;
            modality[n] = TEXT;
            predicted[n] = true;
            predicts[n] = true;
            n++;
        }

        void caption(int[] tokens, Vocabulary v) {
            for (int i = 0; i < tokens.length; i++) {
                if (tokens[i] < 0 || tokens[i] >= v.textSize()) {
                    throw new IllegalArgumentException("text token " + i + " is " + tokens[i] + ", outside the text ids"
                            + " [0, " + v.textSize() + ")");
                }
                text(tokens[i]);
            }
        }

        void image(ImageTokens image, Vocabulary v) {
            int boi = n;
            text(v.boi());
            int start = n;
            switch (image) {
                case ImageTokens.Discrete d -> {
                    for (int code : d.codes()) {
                        ids[n] = v.imageId(code);
                        modality[n] = IMAGE;
                        predicted[n] = true;
                        predicts[n] = true;
                        n++;
                    }
                }
                case ImageTokens.Continuous c -> {
                    // The patch vector replaces the embedding, so the id is a placeholder; the diffusion loss, not
                    // next-token prediction, trains these positions, so nothing predicts them as tokens.
                    for (int p = 0; p < c.count(); p++) {
                        ids[n] = 0;
                        modality[n] = IMAGE;
                        predicted[n] = false;
                        n++;
                    }
                    patches = c.patches();
                    patchWidth = c.width();
                }
            }
            int end = n;
            text(v.eoi());
            blocks.add(new int[]{boi, start, end, n});
        }

        LaidOutDocument finish() {
            int[] targets = new int[n];
            byte[] targetModality = new byte[n];
            for (int t = 0; t < n; t++) {
                boolean last = t == n - 1;
                // The output at t predicts the input at t + 1 of the same document, when both take part in
                // next-token prediction.
                targets[t] = last || !predicts[t] || !predicted[t + 1] ? MixedBatch.IGNORE : ids[t + 1];
                targetModality[t] = last ? TEXT : modality[t + 1];
            }
            return new LaidOutDocument(ids, modality, targets, targetModality, List.copyOf(blocks), patches,
                    patchWidth);
        }
    }

    /**
     * Cuts the document into pieces of at most {@code length} positions, as {@code {from, to}} ranges, cutting only
     * outside image blocks (a piece that would end inside one ends before its BOI instead).
     */
    List<int[]> pieces(int length) {
        List<int[]> out = new ArrayList<>();
        int from = 0;
        while (from < ids.length) {
            int to = Math.min(from + length, ids.length);
            for (int[] b : blocks) {
                if (b[0] < to && to < b[3]) {
                    if (b[0] <= from) {
                        throw new IllegalArgumentException("an image of " + (b[2] - b[1]) + " positions plus BOI and"
                                + " EOI does not fit a row of " + length);
                    }
                    to = b[0];
                }
            }
            out.add(new int[]{from, to});
            from = to;
        }
        return out;
    }
}
