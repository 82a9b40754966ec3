package io.fusion4j.api.data;

/**
 * How token ids are shared between text and image codes in one vocabulary: text ids {@code [0, textSize)}, image
 * codes at {@code [imageOffset, imageOffset + imageCodes)}, and the markers BOS, EOS (document start and end) and
 * BOI, EOI (image start and end). The markers are text by modality (moma.md §10.8): they are predicted by the text
 * head and routed to text experts. {@code imageCodes} is 0 for continuous images (Transfusion), which take no ids.
 * The markers may lie inside the text range (a text tokenizer that already has them) but never among image codes.
 */
public record Vocabulary(int textSize, int imageOffset, int imageCodes, int bos, int eos, int boi, int eoi) {
    public Vocabulary {
        if (textSize < 1 || imageCodes < 0) {
            throw new IllegalArgumentException("a vocabulary needs textSize >= 1 and imageCodes >= 0, found textSize="
                    + textSize + " imageCodes=" + imageCodes);
        }
        if (imageCodes > 0 && imageOffset < textSize) {
            throw new IllegalArgumentException("image codes from " + imageOffset + " overlap the text ids [0, "
                    + textSize + ")");
        }
        int[] markers = {bos, eos, boi, eoi};
        for (int i = 0; i < markers.length; i++) {
            if (markers[i] < 0) {
                throw new IllegalArgumentException("marker ids must be >= 0, found " + markers[i]);
            }
            if (imageCodes > 0 && markers[i] >= imageOffset && markers[i] < imageOffset + imageCodes) {
                throw new IllegalArgumentException("marker id " + markers[i] + " lies among the image codes ["
                        + imageOffset + ", " + (imageOffset + imageCodes) + ")");
            }
            for (int j = 0; j < i; j++) {
                if (markers[i] == markers[j]) {
                    throw new IllegalArgumentException("BOS, EOS, BOI and EOI need distinct ids, found " + bos + ", "
                            + eos + ", " + boi + ", " + eoi);
                }
            }
        }
    }

    /**
     * The default layout: text ids, then BOS, EOS, BOI, EOI, then the image codes (Chameleon's order: codes last, so a
     * text-only checkpoint's embedding rows keep their ids).
     */
    public static Vocabulary of(int textSize, int imageCodes) {
        return new Vocabulary(textSize, textSize + 4, imageCodes, textSize, textSize + 1, textSize + 2, textSize + 3);
    }

    /** Ids the model's embedding and output layers must cover: one past the largest id in use. */
    public int size() {
        int s = Math.max(textSize, imageCodes > 0 ? imageOffset + imageCodes : 0);
        return Math.max(s, Math.max(Math.max(bos, eos), Math.max(boi, eoi)) + 1);
    }

    /** The vocabulary id of image code {@code code}. */
    public int imageId(int code) {
        if (code < 0 || code >= imageCodes) {
            throw new IllegalArgumentException("image code " + code + " is outside the codebook [0, " + imageCodes
                    + ")");
        }
        return imageOffset + code;
    }

    /** The modality of token {@code id} as an input: image codes are {@link Modality#IMAGE}, all else text. */
    public Modality modalityOf(int id) {
        return imageCodes > 0 && id >= imageOffset && id < imageOffset + imageCodes ? Modality.IMAGE : Modality.TEXT;
    }

    /** The prompt that asks for an image of {@code caption} (text ids): {@code BOS caption BOI}. */
    public int[] imageRequest(int[] caption) {
        int[] ids = new int[caption.length + 2];
        ids[0] = bos;
        System.arraycopy(caption, 0, ids, 1, caption.length);
        ids[ids.length - 1] = boi;
        return ids;
    }

    /**
     * The prompt that shows an image of discrete {@code codes} and then {@code text} (text ids, often none), for the
     * model to continue with a caption: {@code BOS BOI codes… EOI text}.
     */
    public int[] imageThenText(int[] codes, int[] text) {
        int[] ids = new int[codes.length + 3 + text.length];
        ids[0] = bos;
        ids[1] = boi;
        for (int i = 0; i < codes.length; i++) {
            ids[2 + i] = imageId(codes[i]);
        }
        ids[2 + codes.length] = eoi;
        System.arraycopy(text, 0, ids, codes.length + 3, text.length);
        return ids;
    }

    /** The text ids among {@code ids[0, len)}: markers and image codes left out (what a text decoder turns into text). */
    public int[] textOnly(int[] ids, int len) {
        int n = 0;
        int[] out = new int[len];
        for (int i = 0; i < len; i++) {
            int id = ids[i];
            if (id < textSize && id != bos && id != eos && id != boi && id != eoi) {
                out[n++] = id;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
