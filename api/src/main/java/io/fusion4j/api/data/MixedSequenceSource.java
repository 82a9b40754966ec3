package io.fusion4j.api.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Packs image–caption pairs and text-only documents into fixed-length training rows, the way MoMa and Transfusion
 * train: each pair becomes {@code BOS caption BOI <image> EOI EOS} or, image first, {@code BOS BOI <image> EOI
 * caption EOS}; each text document {@code BOS text EOS}; text documents are interleaved so the stream's text:image
 * token ratio meets a target (markers count as text, every image position as an image token).
 *
 * <p>Packing (decision 0017): a document goes into the current row when it fits whole, else it starts the next row
 * and the rest of the row is padding (so a caption always shares a row, and attention, with its image). A document
 * longer than a row is cut into row-long pieces at positions outside its {@code BOI…EOI} blocks, each piece
 * starting a row and its own attention document. Batches end at document boundaries: a document that does not fit
 * the batch's remaining rows waits for the next batch, so {@link MixedBatch#position()} (epoch, next document) resumes
 * exactly; only a document longer than a whole batch is truncated to it.
 *
 * <p>Per position: the input id (an image code's vocabulary id, or 0 for a continuous patch whose vector is in
 * {@link MixedBatch#imageInputs()}), its modality by the input (markers are text), and the target: the next input
 * of the same document, {@link MixedBatch#IGNORE} at a document's last position and at padding. For continuous
 * images the image positions and BOI take no target (the diffusion loss trains the patches, and the patch count is
 * fixed, so nothing has to predict the last patch's EOI); EOI's output predicts the following text token. The
 * order is a pure function of (seed, epoch, slot) ({@link DocumentOrder}), so any position is rebuilt without replay.
 */
public final class MixedSequenceSource implements BatchSource<MixedBatch> {
    /** Pairs and documents whose means estimate the text share; more than enough for a share, cheap to tokenize. */
    private static final int SAMPLE = 256;

    /**
     * How to build rows.
     *
     * @param rows rows per batch
     * @param length positions per row
     * @param seed the data-order seed
     * @param captionFirstShare the share of pairs laid out caption first (MoMa 0.5, Transfusion 0.8)
     * @param textPerImageToken the target ratio of text tokens to image tokens over the stream (both papers: 1)
     * @param captionDropShare the share of pairs laid out without their caption ({@code BOS BOI <image> EOI EOS}), so
     *                         the model also learns images unconditioned, which classifier-free guidance needs (0: none)
     */
    public record Options(int rows, int length, long seed, double captionFirstShare, double textPerImageToken,
                          double captionDropShare) {
        public Options {
            if (!(captionDropShare >= 0 && captionDropShare <= 1)) {
                throw new IllegalArgumentException("the caption-drop share must be in [0, 1], found "
                        + captionDropShare);
            }
            if (rows < 1 || length < 3) {
                throw new IllegalArgumentException("rows must be >= 1 and length >= 3 (BOS, a token, EOS), found rows="
                        + rows + " length=" + length);
            }
            if (!(captionFirstShare >= 0 && captionFirstShare <= 1)) {
                throw new IllegalArgumentException("the caption-first share must be in [0, 1], found "
                        + captionFirstShare);
            }
            if (!(textPerImageToken >= 0) || Double.isInfinite(textPerImageToken)) {
                throw new IllegalArgumentException("the text:image token ratio must be finite and >= 0, found "
                        + textPerImageToken);
            }
        }

        /** Every pair keeps its caption. */
        public Options(int rows, int length, long seed, double captionFirstShare, double textPerImageToken) {
            this(rows, length, seed, captionFirstShare, textPerImageToken, 0);
        }

        /** These options with {@code share} of the pairs laid out without their caption. */
        public Options withCaptionDrop(double share) {
            return new Options(rows, length, seed, captionFirstShare, textPerImageToken, share);
        }

        /** MoMa's mix: half the pairs caption first, 1:1 text:image tokens. */
        public static Options moma(int rows, int length, long seed) {
            return new Options(rows, length, seed, 0.5, 1.0);
        }

        /** Transfusion's mix: 80% of pairs caption first, 1:1 text:image tokens. */
        public static Options transfusion(int rows, int length, long seed) {
            return new Options(rows, length, seed, 0.8, 1.0);
        }
    }

    private static final byte TEXT = (byte) Modality.TEXT.ordinal();

    private final Vocabulary vocabulary;
    private final ImageTokenizer tokenizer;
    private final List<CaptionedImage> pairs;
    private final List<int[]> texts;
    private final Options options;
    private final DocumentOrder order;
    private final double expectedRatio;

    /**
     * @param pairs the image–caption pairs, indexable (a lazy list is fine: only the slots a batch needs are read)
     * @param texts the text-only documents as text token ids, indexable likewise
     */
    public MixedSequenceSource(Vocabulary vocabulary, ImageTokenizer tokenizer, List<CaptionedImage> pairs,
                               List<int[]> texts, Options options) {
        this.vocabulary = vocabulary;
        this.tokenizer = tokenizer;
        this.pairs = pairs;
        this.texts = texts;
        this.options = options;
        // Mean positions per document, from an even sample: caption plus BOS, BOI, EOI, EOS; image; text plus BOS, EOS.
        double caption = 4 + mean(pairs, p -> p.caption().length);
        double image = mean(pairs, p -> tokenizer.encode(p.image()).length());
        double text = 2 + mean(texts, t -> t.length);
        // f text documents per (1 - f) pairs: f·text + (1 - f)·caption = ratio·(1 - f)·image. When the captions alone
        // exceed the ratio there is nothing to add: f = 0 and the stream's ratio is above the target.
        double perPair = pairs.isEmpty() || texts.isEmpty() ? 0
                : Math.max(0, (options.textPerImageToken() * image - caption) / text);
        double share = perPair / (1 + perPair);
        this.order = new DocumentOrder(options.seed(), pairs.size(), texts.size(), share, options.captionFirstShare(),
                options.captionDropShare());
        this.expectedRatio = pairs.isEmpty() ? Double.POSITIVE_INFINITY : (perPair * text + caption) / image;
    }

    private static <T> double mean(List<T> items, java.util.function.ToIntFunction<T> size) {
        if (items.isEmpty()) {
            return 0;
        }
        int n = Math.min(SAMPLE, items.size());
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += size.applyAsInt(items.get((int) ((long) k * items.size() / n)));
        }
        return sum / n;
    }

    /** Documents (pairs and text documents) in one epoch: the range of {@link DataPosition#index()}. */
    public long documentsPerEpoch() {
        return order.slotsPerEpoch();
    }

    /**
     * The text:image token ratio the interleaving aims at: the target, or more when the captions and markers alone
     * exceed it (infinite without pairs).
     */
    public double expectedTextPerImageToken() {
        return expectedRatio;
    }

    @Override
    public Stream<MixedBatch> from(DataPosition position) {
        return Stream.iterate(batchAt(position), b -> batchAt(b.position()));
    }

    /** The batch that starts at {@code position}; its own {@link MixedBatch#position()} is where the next starts. */
    public MixedBatch batchAt(DataPosition position) {
        int rows = options.rows();
        int length = options.length();
        if (position.index() >= order.slotsPerEpoch()) {
            throw new IllegalArgumentException("data position " + position + " is past the " + order.slotsPerEpoch()
                    + " documents of an epoch");
        }
        Packing p = new Packing(rows, length);
        long epoch = position.epoch();
        long slot = position.index();
        while (p.row < rows) {
            LaidOutDocument doc = document(epoch, slot);
            List<int[]> pieces = doc.pieces(length);
            boolean here = pieces.size() == 1 && p.col + doc.length() <= length;
            int first = here || p.col == 0 ? p.row : p.row + 1;
            if (first + pieces.size() > rows) {
                if (p.row > 0 || p.col > 0) {
                    break; // waits for the next batch, which starts with it
                }
                pieces = pieces.subList(0, rows); // longer than a whole batch: truncated (decision 0017)
            }
            for (int k = 0; k < pieces.size(); k++) {
                p.place(doc, pieces.get(k), first + k, k == 0 && here ? p.col : 0);
            }
            slot++;
            if (slot == order.slotsPerEpoch()) {
                epoch++;
                slot = 0;
            }
        }
        return p.finish(new DataPosition(epoch, slot));
    }

    private LaidOutDocument document(long epoch, long slot) {
        DocumentOrder.Slot s = order.slot(epoch, slot);
        if (s.text()) {
            return LaidOutDocument.text(texts.get(s.index()), vocabulary);
        }
        CaptionedImage pair = pairs.get(s.index());
        int[] caption = s.captionDropped() ? new int[0] : pair.caption();
        return LaidOutDocument.pair(caption, tokenizer.encode(pair.image()), s.captionFirst(), vocabulary);
    }

    /** The arrays of one batch being filled, and the cursor (row, column) of the next free position. */
    private static final class Packing {
        final int rows;
        final int length;
        final int[] ids;
        final int[] targets;
        final byte[] modality;
        final byte[] targetModality;
        final int[] valid;
        final List<List<Integer>> starts = new ArrayList<>();
        final List<ImageSpan> spans = new ArrayList<>();
        float[] inputs = new float[0];
        int inputCount;
        int inputWidth;
        boolean discrete;
        int row;
        int col;

        Packing(int rows, int length) {
            this.rows = rows;
            this.length = length;
            ids = new int[rows * length];
            targets = new int[rows * length];
            Arrays.fill(targets, MixedBatch.IGNORE);
            modality = new byte[rows * length];
            targetModality = new byte[rows * length];
            Arrays.fill(targetModality, TEXT);
            valid = new int[rows];
            for (int r = 0; r < rows; r++) {
                starts.add(new ArrayList<>());
            }
        }

        /** Positions {@code [from, to)} of {@code doc} at column {@code c} of row {@code r}, as a new document. */
        void place(LaidOutDocument doc, int[] piece, int r, int c) {
            int from = piece[0];
            int n = piece[1] - from;
            if (c > 0) {
                starts.get(r).add(c);
            }
            int o = r * length + c;
            System.arraycopy(doc.ids(), from, ids, o, n);
            System.arraycopy(doc.targets(), from, targets, o, n);
            System.arraycopy(doc.modality(), from, modality, o, n);
            System.arraycopy(doc.targetModality(), from, targetModality, o, n);
            int patchOffset = 0;
            for (int[] b : doc.blocks()) {
                int size = b[2] - b[1];
                if (b[0] >= from && b[3] <= piece[1]) {
                    spans.add(new ImageSpan(r, c + b[1] - from, c + b[2] - from));
                    if (doc.patches() != null) {
                        addInputs(doc.patches(), patchOffset, size, doc.patchWidth());
                    } else {
                        discrete = true;
                    }
                    if (discrete && inputCount > 0) {
                        throw new IllegalStateException("the image tokenizer gave both discrete codes and continuous "
                                + "patches; a batch holds one kind");
                    }
                }
                patchOffset += size;
            }
            valid[r] = c + n;
            row = r;
            col = c + n;
            if (col == length) {
                row++;
                col = 0;
            }
        }

        private void addInputs(float[] patches, int offset, int count, int width) {
            if (inputCount > 0 && width != inputWidth) {
                throw new IllegalStateException("continuous images of patch width " + inputWidth + " and " + width
                        + " in one batch");
            }
            inputWidth = width;
            int need = (inputCount + count) * width;
            if (need > inputs.length) {
                inputs = Arrays.copyOf(inputs, Math.max(need, inputs.length * 2));
            }
            System.arraycopy(patches, offset * width, inputs, inputCount * width, count * width);
            inputCount += count;
        }

        MixedBatch finish(DataPosition next) {
            int[][] docStarts = new int[rows][];
            for (int r = 0; r < rows; r++) {
                docStarts[r] = starts.get(r).stream().mapToInt(Integer::intValue).toArray();
            }
            float[] in = inputCount == 0 ? null : Arrays.copyOf(inputs, inputCount * inputWidth);
            return new MixedBatch(rows, length, ids, targets, modality, targetModality, valid, docStarts, spans, in,
                    in == null ? 0 : inputWidth, next);
        }
    }
}
