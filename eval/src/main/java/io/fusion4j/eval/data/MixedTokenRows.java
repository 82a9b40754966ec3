package io.fusion4j.eval.data;

import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.MixedSequenceSource;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.SafetensorsWriter;
import io.fusion4j.api.tensor.Shape;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Mixed-modal rows from a {@link MixedSequenceSource} in the {@link TokenRows} file format ({@code tokens} and
 * {@code modality}, I32 {@code [N, T+1]}), the way {@code fusion4j data tokenize} writes them (decision 0020).
 *
 * <p>The source builds rows of {@code T+1} positions that hold whole documents (or row-long pieces of longer ones,
 * never cutting an image) followed by padding. The file format has no padding, no {@code IGNORE} target and no
 * document starts: every row trains all T of its targets, each the next id of the row. So each non-empty source row
 * becomes one file row: its own positions, then, where the source padded, the first positions of the rows that
 * follow it in the stream (those positions are written twice: at the end of this row and at the start of their own).
 * Every file row therefore starts where a source row starts, so no row starts inside an image, every document is
 * whole in its own row, and no position is padding. A document's last target, {@code IGNORE} in the source, becomes
 * the {@code BOS} that starts the next document. Attention crosses the documents of a row, as in any packed token
 * stream.
 *
 * <p>While converting, the source's rows are checked: each target is the next input of its row, {@code IGNORE} only
 * at an {@code EOS} followed by a {@code BOS} document start, and each modality is the vocabulary's for the id; a
 * break is an {@link IllegalStateException} (a bug, not bad input).
 */
public final class MixedTokenRows {
    /**
     * What was built: {@code rows × (length + 1)} ids and modality codes, and counts over them.
     *
     * @param textTokens positions of text modality (markers included)
     * @param imageTokens positions of image modality
     * @param repeated positions that fill a row past its source row and so are written twice
     * @param documents documents (or pieces of long ones) that begin in the source rows the file rows came from
     * @param documentsPerEpoch the source's documents per epoch
     */
    public record Rows(int rows, int length, int[] tokens, int[] modality, long textTokens, long imageTokens,
                       long repeated, long documents, long documentsPerEpoch) {
        /** The text share of the file's positions, in [0, 1]. */
        public double textShare() {
            long all = textTokens + imageTokens;
            return all == 0 ? 0 : (double) textTokens / all;
        }
    }

    /** Source rows per batch: large, so the rows a batch leaves empty at its end (documents waiting) are few. */
    public static final int BATCH_ROWS = 256;

    private MixedTokenRows() {
    }

    /**
     * Builds {@code rows} rows of {@code length + 1} ids from {@code source}, which must make rows of
     * {@code length + 1} positions with discrete images in {@code vocabulary}, read from the start of its stream.
     *
     * @param progress told the number of rows done, now and then
     */
    public static Rows build(MixedSequenceSource source, Vocabulary vocabulary, int rows, int length,
                             IntConsumer progress) {
        int width = length + 1;
        long total = (long) rows * width;
        if (rows < 1 || length < 1 || total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("rows=" + rows + " of " + width + " ids: need rows >= 1, length >= 1"
                    + " and at most " + (Integer.MAX_VALUE - 8) + " ids");
        }
        int[] tokens = new int[(int) total];
        int[] modality = new int[(int) total];
        Stream stream = new Stream(source, vocabulary, width);
        long repeated = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            Segment own = stream.take();
            int filled = own.copyTo(tokens, modality, o, width);
            for (int k = 0; filled < width; k++) {
                Segment next = stream.peek(k);
                int n = next.copyTo(tokens, modality, o + filled, width - filled);
                filled += n;
                repeated += n;
            }
            if ((r & 255) == 255) {
                progress.accept(r + 1);
            }
        }
        progress.accept(rows);
        long image = 0;
        for (int m : modality) {
            image += m;
        }
        return new Rows(rows, length, tokens, modality, total - image, image, repeated, stream.documentsUsed(),
                source.documentsPerEpoch());
    }

    /**
     * Writes {@code rows} with {@code metadata} to {@code file} atomically: into a temporary file beside it, forced
     * to disk, then renamed over it, so a failed or killed run leaves the old file or none, never part of one.
     */
    public static void write(Rows rows, Map<String, String> metadata, Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        Shape shape = Shape.of(rows.rows(), rows.length() + 1);
        w.addI32(TokenRows.TOKENS, shape, rows.tokens());
        w.addI32(TokenRows.MODALITY, shape, rows.modality());
        // Not Files.createTempFile: its owner-only mode would pass to the file; this one gets the umask's, as any.
        Path tmp = null;
        SplittableRandom names = new SplittableRandom(System.nanoTime());
        while (tmp == null) {
            Path p = parent.resolve("." + target.getFileName() + "." + Long.toHexString(names.nextLong()) + ".tmp");
            try {
                Files.createFile(p);
                tmp = p;
            } catch (FileAlreadyExistsException e) {
                // another name
            }
        }
        try {
            w.write(tmp);
            CheckpointStore.moveIntoPlace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The valid positions of one source row, and how many documents begin in it. */
    private record Segment(int[] ids, byte[] modality, int documents) {
        /** Copies up to {@code max} of the first ids and modality codes to {@code at}; returns how many. */
        int copyTo(int[] tokens, int[] mod, int at, int max) {
            int n = Math.min(max, ids.length);
            System.arraycopy(ids, 0, tokens, at, n);
            for (int i = 0; i < n; i++) {
                mod[at + i] = modality[i];
            }
            return n;
        }
    }

    /** The source's non-empty rows in stream order, checked, with lookahead. */
    private static final class Stream {
        private final MixedSequenceSource source;
        private final Vocabulary v;
        private final int width;
        private final ArrayDeque<Segment> buffered = new ArrayDeque<>();
        private DataPosition next = DataPosition.START;
        private long documents; // documents that begin in the rows taken
        private int lastId = -1; // the previous row's last id and target, for the check across rows
        private int lastTarget;

        Stream(MixedSequenceSource source, Vocabulary v, int width) {
            this.source = source;
            this.v = v;
            this.width = width;
        }

        Segment take() {
            peek(0);
            Segment s = buffered.removeFirst();
            documents += s.documents();
            return s;
        }

        Segment peek(int k) {
            while (buffered.size() <= k) {
                read();
            }
            Iterator<Segment> it = buffered.iterator();
            for (int i = 0; i < k; i++) {
                it.next();
            }
            return it.next();
        }

        long documentsUsed() {
            return documents;
        }

        private void read() {
            MixedBatch b = source.batchAt(next);
            if (b.length() != width || b.imageInputs() != null) {
                throw new IllegalStateException("the source gave rows of " + b.length() + " positions"
                        + (b.imageInputs() != null ? " with continuous images" : "") + "; expected " + width
                        + " positions of discrete ids");
            }
            for (int r = 0; r < b.rows(); r++) {
                int n = b.validLength()[r];
                if (n == 0) {
                    continue;
                }
                int o = r * width;
                int docs = check(b, r, n);
                buffered.add(new Segment(Arrays.copyOfRange(b.ids(), o, o + n),
                        Arrays.copyOfRange(b.modality(), o, o + n), docs));
            }
            next = b.position();
        }

        /**
         * The invariants the conversion rests on (the class comment); a break is a bug in the source. Returns the
         * documents that begin in the row.
         */
        private int check(MixedBatch b, int r, int n) {
            int o = r * width;
            int[] ids = b.ids();
            int[] tg = b.targets();
            int first = ids[o];
            // A row continues the previous row's last document (whose last target is this row's first id), or starts
            // a document: at the stream's start, after an EOS, or after a document truncated to a whole batch
            // (decision 0017), whose last target is then lost.
            boolean continues = lastId >= 0 && lastTarget != MixedBatch.IGNORE && lastTarget == first;
            boolean begins = first == v.bos() && (lastId < 0 || lastTarget != MixedBatch.IGNORE || lastId == v.eos());
            if (!continues && !begins) {
                throw broken("row " + r + " starts with id " + first + " after a row whose last id " + lastId
                        + " has target " + lastTarget);
            }
            Set<Integer> starts = new HashSet<>();
            for (int s : b.documentStarts()[r]) {
                starts.add(s);
            }
            for (int t = 0; t < n; t++) {
                int id = ids[o + t];
                if (b.modality()[o + t] != v.modalityOf(id).ordinal()) {
                    throw broken("row " + r + " position " + t + ": id " + id + " has modality "
                            + Modality.of(b.modality()[o + t]));
                }
                if (starts.contains(t) && id != v.bos()) {
                    throw broken("row " + r + " position " + t + " starts a document with id " + id + ", not BOS");
                }
                if (t + 1 < n) {
                    int target = tg[o + t];
                    boolean next = target == ids[o + t + 1] && !starts.contains(t + 1);
                    boolean end = target == MixedBatch.IGNORE && id == v.eos() && starts.contains(t + 1);
                    if (!next && !end) {
                        throw broken("row " + r + " position " + t + ": target " + target + " is neither the next id "
                                + ids[o + t + 1] + " nor the IGNORE of a document's EOS before a document start");
                    }
                }
            }
            lastId = ids[o + n - 1];
            lastTarget = tg[o + n - 1];
            if (lastTarget == MixedBatch.IGNORE && lastId != v.eos()) {
                throw broken("row " + r + " ends in id " + lastId + " without a target, but it is not EOS");
            }
            return starts.size() + (continues ? 0 : 1);
        }

        private static IllegalStateException broken(String what) {
            return new IllegalStateException("mixed rows: " + what);
        }
    }
}
