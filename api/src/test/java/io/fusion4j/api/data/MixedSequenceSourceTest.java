package io.fusion4j.api.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.fusion4j.api.backend.AttentionMask;
import org.junit.jupiter.api.Test;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

class MixedSequenceSourceTest {
    private static final int IG = MixedBatch.IGNORE;
    private static final byte T = (byte) Modality.TEXT.ordinal();
    private static final byte I = (byte) Modality.IMAGE.ordinal();

    // ---- hand-computed cases: vocabulary of 10 text ids, BOS 10, EOS 11, BOI 12, EOI 13, codes 14..17 ----

    private static final Vocabulary SMALL = Vocabulary.of(10, 4);
    /** A 2x2 grey image whose four pixels quantise to codes 0, 1, 2, 3 (ids 14..17) with cells of 1 and 4 levels. */
    private static final Image RAMP = new Image(1, 2, 2, new float[]{0f, .3f, .6f, 1f});

    private static MixedSequenceSource small(ImageTokenizer tok, Vocabulary v, List<int[]> texts, int rows, int length,
                                             double captionFirst, double ratio) {
        return new MixedSequenceSource(v, tok, List.of(new CaptionedImage(new int[]{1, 2}, RAMP)), texts,
                new MixedSequenceSource.Options(rows, length, 7, captionFirst, ratio));
    }

    @Test
    void aPairAndATextDocumentShareARowByHand() {
        // Pair: 6 text positions (BOS 1 2 BOI EOI EOS), 4 image; text doc: 5. Ratio 2.75 needs 11 text per 4 image:
        // one text document per pair, so the epoch is [pair, text].
        MixedSequenceSource s = small(GridImageTokenizer.discrete(1, 4), SMALL, List.<int[]>of(new int[]{5, 6, 7}), 1,
                16, 1.0, 2.75);
        assertThat(s.documentsPerEpoch()).isEqualTo(2);
        assertThat(s.expectedTextPerImageToken()).isEqualTo(2.75);
        MixedBatch b = s.batchAt(DataPosition.START);
        assertThat(b.ids()).containsExactly(10, 1, 2, 12, 14, 15, 16, 17, 13, 11, 10, 5, 6, 7, 11, 0);
        assertThat(b.targets()).containsExactly(1, 2, 12, 14, 15, 16, 17, 13, 11, IG, 5, 6, 7, 11, IG, IG);
        assertThat(b.modality()).containsExactly(T, T, T, T, I, I, I, I, T, T, T, T, T, T, T, T);
        assertThat(b.targetModality()).containsExactly(T, T, T, I, I, I, I, T, T, T, T, T, T, T, T, T);
        assertThat(b.validLength()).containsExactly(15);
        assertThat(b.documentStarts()[0]).containsExactly(10);
        assertThat(b.images()).containsExactly(new ImageSpan(0, 4, 8));
        assertThat(b.imageInputs()).isNull();
        // The next pair (10 positions) does not fit the one free position: it starts the next batch.
        assertThat(b.position()).isEqualTo(new DataPosition(1, 0));
    }

    @Test
    void aDroppedCaptionLeavesTheImageAloneBetweenItsMarkers() {
        MixedSequenceSource.Options all = new MixedSequenceSource.Options(1, 16, 7, 1.0, 1.0).withCaptionDrop(1.0);
        MixedBatch b = new MixedSequenceSource(SMALL, GridImageTokenizer.discrete(1, 4),
                List.of(new CaptionedImage(new int[]{1, 2}, RAMP)), List.of(), all).batchAt(DataPosition.START);
        // BOS BOI c c c c EOI EOS, then the next epoch's pair, dropped too.
        assertThat(java.util.Arrays.copyOf(b.ids(), 8)).containsExactly(10, 12, 14, 15, 16, 17, 13, 11);
        assertThat(b.images().getFirst()).isEqualTo(new ImageSpan(0, 2, 6));
        assertThatThrownBy(() -> new MixedSequenceSource.Options(1, 16, 7, 1.0, 1.0).withCaptionDrop(1.5))
                .hasMessageContaining("caption-drop share must be in [0, 1], found 1.5");
    }

    @Test
    void captionDropsTakeTheirShareWithoutChangingAnyOtherChoice() {
        // 400 distinct pairs laid out one per row: the order and the layout must not move when drops are turned on.
        List<CaptionedImage> pairs = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) {
            pairs.add(new CaptionedImage(new int[]{i % 10}, RAMP));
        }
        var plain = new MixedSequenceSource.Options(400, 10, 3, 0.5, 1.0);
        MixedBatch a = new MixedSequenceSource(SMALL, GridImageTokenizer.discrete(1, 4), pairs, List.of(), plain)
                .batchAt(DataPosition.START);
        MixedBatch d = new MixedSequenceSource(SMALL, GridImageTokenizer.discrete(1, 4), pairs, List.of(),
                plain.withCaptionDrop(0.25)).batchAt(DataPosition.START);
        int dropped = 0;
        for (int r = 0; r < 400; r++) {
            int[] ra = java.util.Arrays.copyOfRange(a.ids(), r * 10, r * 10 + 10);
            int[] rd = java.util.Arrays.copyOfRange(d.ids(), r * 10, r * 10 + 10);
            if (!java.util.Arrays.equals(ra, rd)) {
                dropped++;
                // The same pair in the same layout, its one caption token removed: BOS BOI c c c c EOI EOS.
                assertThat(java.util.Arrays.copyOf(rd, 8)).containsExactly(10, 12, 14, 15, 16, 17, 13, 11);
                assertThat(ra).contains(10, 12, 13, 11);
            }
        }
        assertThat(dropped).isBetween(70, 130); // 100 expected; binomial sd ~8.7
    }

    @Test
    void aPairLongerThanARowIsCutBeforeItsImageNeverInsideIt() {
        // BOS 1 2 BOI c c c c EOI EOS is 10 positions; a row of 8 would end inside the image: cut before BOI.
        MixedBatch b = small(GridImageTokenizer.discrete(1, 4), SMALL, List.of(), 2, 8, 1.0, 1.0)
                .batchAt(DataPosition.START);
        assertThat(b.ids()).containsExactly(10, 1, 2, 0, 0, 0, 0, 0, 12, 14, 15, 16, 17, 13, 11, 0);
        assertThat(b.targets()).containsExactly(1, 2, 12, IG, IG, IG, IG, IG, 14, 15, 16, 17, 13, 11, IG, IG);
        assertThat(b.validLength()).containsExactly(3, 7);
        assertThat(b.images()).containsExactly(new ImageSpan(1, 1, 5));
        assertThat(b.position()).isEqualTo(new DataPosition(1, 0));
    }

    @Test
    void imageFirstPutsTheCaptionAfterEoiAndMayCutText() {
        // BOS BOI c c c c EOI 1 | 2 EOS: the cut falls in the caption, whose last position still predicts the next
        // token of the document.
        MixedBatch b = small(GridImageTokenizer.discrete(1, 4), SMALL, List.of(), 2, 8, 0.0, 1.0)
                .batchAt(DataPosition.START);
        assertThat(b.ids()).containsExactly(10, 12, 14, 15, 16, 17, 13, 1, 2, 11, 0, 0, 0, 0, 0, 0);
        assertThat(b.targets()).containsExactly(12, 14, 15, 16, 17, 13, 1, 2, 11, IG, IG, IG, IG, IG, IG, IG);
        assertThat(b.modality()).containsExactly(T, T, I, I, I, I, T, T, T, T, T, T, T, T, T, T);
        assertThat(b.validLength()).containsExactly(8, 2);
        assertThat(b.images()).containsExactly(new ImageSpan(0, 2, 6));
    }

    @Test
    void continuousImagesTakePlaceholderIdsTheirPatchesAndNoTargets() {
        MixedBatch b = small(GridImageTokenizer.continuous(1), Vocabulary.of(10, 0), List.of(), 1, 12, 1.0, 1.0)
                .batchAt(DataPosition.START);
        assertThat(b.ids()).containsExactly(10, 1, 2, 12, 0, 0, 0, 0, 13, 11, 0, 0);
        // BOI and the patches predict nothing (the diffusion loss trains the patches); EOI predicts EOS.
        assertThat(b.targets()).containsExactly(1, 2, 12, IG, IG, IG, IG, IG, 11, IG, IG, IG);
        assertThat(b.modality()).containsExactly(T, T, T, T, I, I, I, I, T, T, T, T);
        assertThat(b.targetModality()).containsExactly(T, T, T, I, I, I, I, T, T, T, T, T);
        assertThat(b.imageInputs()).containsExactly(0f, .3f, .6f, 1f);
        assertThat(b.imageInputWidth()).isEqualTo(1);
        assertThat(b.targetCount(Modality.IMAGE)).isZero();
    }

    @Test
    void anImageThatCannotFitARowIsRefused() {
        MixedSequenceSource s = small(GridImageTokenizer.discrete(1, 4), SMALL, List.of(), 1, 5, 1.0, 1.0);
        assertThatThrownBy(() -> s.batchAt(DataPosition.START))
                .hasMessageContaining("an image of 4 positions plus BOI and EOI does not fit a row of 5");
    }

    @Test
    void aLongTextDocumentContinuesInTheNextRowsAsNewDocuments() {
        int[] text = new int[20];
        for (int i = 0; i < text.length; i++) {
            text[i] = i % 10;
        }
        MixedSequenceSource s = new MixedSequenceSource(SMALL, GridImageTokenizer.discrete(1, 4), List.of(),
                List.of(text, new int[]{9}), new MixedSequenceSource.Options(4, 8, 3, 0.5, 1.0));
        MixedBatch b = s.batchAt(DataPosition.START);
        // Whichever document comes first, the 22 positions of the long one fill three whole rows in order.
        List<Integer> longDoc = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            if (b.validLength()[r] >= 6) {
                for (int t = 0; t < b.validLength()[r]; t++) {
                    longDoc.add(b.ids()[r * 8 + t]);
                }
            }
        }
        List<Integer> expected = new ArrayList<>(List.of(10));
        Arrays.stream(text).forEach(expected::add);
        expected.add(11);
        assertThat(longDoc).isEqualTo(expected);
        assertThat(b.tokenCount()).isEqualTo(22 + 3);
    }

    @Test
    void aDocumentLongerThanTheWholeBatchIsTruncatedToIt() {
        MixedSequenceSource s = new MixedSequenceSource(SMALL, GridImageTokenizer.discrete(1, 4), List.of(),
                List.<int[]>of(new int[30]), new MixedSequenceSource.Options(2, 8, 3, 0.5, 1.0));
        MixedBatch b = s.batchAt(DataPosition.START);
        assertThat(b.validLength()).containsExactly(8, 8);
        assertThat(b.position()).isEqualTo(new DataPosition(1, 0));
    }

    // ---- long streams over a synthetic corpus: 16x16 RGB images, 16 codes of 64 each, captions of 3-8 ids ----

    private static final int PAIRS = 200;
    private static final int TEXTS = 50;
    private static final Vocabulary VOCAB = Vocabulary.of(100, 64);
    private static final GridImageTokenizer CODES = GridImageTokenizer.discrete(4, 4);

    /** Pair i: caption (i % 90 + 1, i / 90 + 1, ...) so the first two ids name the pair; a seeded random image. */
    private static final List<CaptionedImage> PAIR_LIST = new AbstractList<>() {
        @Override
        public CaptionedImage get(int i) {
            SplittableRandom r = new SplittableRandom(i);
            int[] caption = new int[3 + i % 6];
            caption[0] = i % 90 + 1;
            caption[1] = i / 90 + 1;
            for (int k = 2; k < caption.length; k++) {
                caption[k] = r.nextInt(100);
            }
            float[] px = new float[3 * 16 * 16];
            for (int k = 0; k < px.length; k++) {
                px[k] = (float) r.nextDouble();
            }
            return new CaptionedImage(caption, new Image(3, 16, 16, px));
        }

        @Override
        public int size() {
            return PAIRS;
        }
    };

    /** Text document k: first id k (so it is recognisable), 5 to 40 ids long. */
    private static final List<int[]> TEXT_LIST = new AbstractList<>() {
        @Override
        public int[] get(int k) {
            SplittableRandom r = new SplittableRandom(1000 + k);
            int[] t = new int[5 + (k * 7) % 36];
            t[0] = k;
            for (int j = 1; j < t.length; j++) {
                t[j] = r.nextInt(100);
            }
            return t;
        }

        @Override
        public int size() {
            return TEXTS;
        }
    };

    private static MixedSequenceSource stream(MixedSequenceSource.Options o, ImageTokenizer tok, Vocabulary v) {
        return new MixedSequenceSource(v, tok, PAIR_LIST, TEXT_LIST, o);
    }

    private static MixedSequenceSource moma(long seed) {
        return stream(MixedSequenceSource.Options.moma(4, 64, seed), CODES, VOCAB);
    }

    /** One row's documents as {row, from, to} in batch order. */
    private static List<int[]> segments(MixedBatch b) {
        List<int[]> out = new ArrayList<>();
        for (int r = 0; r < b.rows(); r++) {
            int from = 0;
            for (int s : b.documentStarts()[r]) {
                out.add(new int[]{r, from, s});
                from = s;
            }
            if (b.validLength()[r] > from) {
                out.add(new int[]{r, from, b.validLength()[r]});
            }
        }
        return out;
    }

    private static int[] idsOf(MixedBatch b, int[] seg) {
        return Arrays.copyOfRange(b.ids(), seg[0] * b.length() + seg[1], seg[0] * b.length() + seg[2]);
    }

    private static List<MixedBatch> first(MixedSequenceSource s, int n) {
        try (var st = s.from(DataPosition.START)) {
            return st.limit(n).toList();
        }
    }

    private static int[] expectedPair(int i, boolean captionFirst) {
        CaptionedImage p = PAIR_LIST.get(i);
        int[] codes = ((ImageTokens.Discrete) CODES.encode(p.image())).codes();
        List<Integer> l = new ArrayList<>(List.of(VOCAB.bos()));
        if (captionFirst) {
            Arrays.stream(p.caption()).forEach(l::add);
        }
        l.add(VOCAB.boi());
        Arrays.stream(codes).forEach(c -> l.add(VOCAB.imageId(c)));
        l.add(VOCAB.eoi());
        if (!captionFirst) {
            Arrays.stream(p.caption()).forEach(l::add);
        }
        l.add(VOCAB.eos());
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void oneEpochHoldsEveryPairOnceAndTextDocumentsWhole() {
        MixedSequenceSource s = moma(11);
        long docs = s.documentsPerEpoch();
        List<int[]> seen = new ArrayList<>();
        for (MixedBatch b : first(s, 200)) {
            for (int[] seg : segments(b)) {
                seen.add(idsOf(b, seg));
            }
            if (seen.size() >= docs) {
                break;
            }
        }
        assertThat(seen.size()).isGreaterThanOrEqualTo((int) docs);
        int[] pairCount = new int[PAIRS];
        int[] textCount = new int[TEXTS];
        long imageTokens = 0;
        for (int[] doc : seen.subList(0, (int) docs)) {
            boolean hasImage = Arrays.stream(doc).anyMatch(id -> id == VOCAB.boi());
            if (hasImage) {
                boolean captionFirst = doc[1] != VOCAB.boi();
                int c = captionFirst ? 1 : indexOf(doc, VOCAB.eoi()) + 1; // where the caption, which names it, starts
                int i = doc[c] - 1 + 90 * (doc[c + 1] - 1);
                assertThat(doc).containsExactly(expectedPair(i, captionFirst));
                pairCount[i]++;
                imageTokens += Arrays.stream(doc).filter(id -> VOCAB.modalityOf(id) == Modality.IMAGE).count();
            } else {
                int k = doc[1];
                int[] expected = TEXT_LIST.get(k);
                assertThat(Arrays.copyOfRange(doc, 1, doc.length - 1)).containsExactly(expected);
                assertThat(doc[0]).isEqualTo(VOCAB.bos());
                assertThat(doc[doc.length - 1]).isEqualTo(VOCAB.eos());
                textCount[k]++;
            }
        }
        assertThat(pairCount).containsOnly(1);
        assertThat(imageTokens).isEqualTo(PAIRS * 16L);
        long texts = docs - PAIRS;
        assertThat(texts).isPositive();
        // The text documents cycle through their permutation: each is used the floor or the ceiling of its share.
        for (int c : textCount) {
            assertThat(c).isBetween((int) (texts / TEXTS), (int) ((texts + TEXTS - 1) / TEXTS));
        }
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void theTextToImageRatioIsMetOverALongStream() {
        for (double target : new double[]{1.0, 2.0}) {
            MixedSequenceSource s = stream(new MixedSequenceSource.Options(4, 64, 5, 0.5, target), CODES, VOCAB);
            long text = 0;
            long image = 0;
            for (MixedBatch b : first(s, 400)) {
                long img = imagePositions(b);
                text += b.tokenCount() - img;
                image += img;
            }
            assertThat((double) text / image).as("ratio for target %s", target).isCloseTo(target, within(0.02 * target));
        }
    }

    private static long imagePositions(MixedBatch b) {
        long n = 0;
        for (int r = 0; r < b.rows(); r++) {
            for (int t = 0; t < b.validLength()[r]; t++) {
                n += b.modalityAt(r, t) == Modality.IMAGE ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void captionsAloneAboveTheRatioAddNoTextAndSaySo() {
        MixedSequenceSource s = stream(new MixedSequenceSource.Options(4, 64, 5, 0.5, 0.1), CODES, VOCAB);
        assertThat(s.documentsPerEpoch()).isEqualTo(PAIRS);
        assertThat(s.expectedTextPerImageToken()).isGreaterThan(0.5);
    }

    @Test
    void noQuerySeesAnotherDocumentOrPadding() {
        for (MixedBatch b : first(moma(2), 20)) {
            for (boolean open : new boolean[]{false, true}) {
                AttentionMask m = b.mask(open);
                for (int r = 0; r < b.rows(); r++) {
                    int[] doc = new int[b.length()];
                    for (int s : b.documentStarts()[r]) {
                        for (int t = s; t < b.length(); t++) {
                            doc[t]++;
                        }
                    }
                    for (int q = 0; q < b.length(); q++) {
                        if (q >= b.validLength()[r]) {
                            assertThat(m.keyEnd(r, q)).isEqualTo(m.keyStart(r, q));
                            continue;
                        }
                        assertThat(m.visible(r, q, q)).isTrue();
                        for (int k = 0; k < b.length(); k++) {
                            if (m.visible(r, q, k)) {
                                assertThat(doc[k]).as("row %d query %d key %d", r, q, k).isEqualTo(doc[q]);
                                assertThat(k).isLessThan(b.validLength()[r]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void modalitiesFollowTheInputTokenAndSpansCoverExactlyTheImages() {
        for (MixedBatch b : first(moma(3), 20)) {
            boolean[] inSpan = new boolean[b.rows() * b.length()];
            for (ImageSpan s : b.images()) {
                assertThat(b.ids()[s.row() * b.length() + s.start() - 1]).isEqualTo(VOCAB.boi());
                assertThat(b.ids()[s.row() * b.length() + s.end()]).isEqualTo(VOCAB.eoi());
                for (int t = s.start(); t < s.end(); t++) {
                    inSpan[s.row() * b.length() + t] = true;
                }
            }
            for (int r = 0; r < b.rows(); r++) {
                for (int t = 0; t < b.validLength()[r]; t++) {
                    int i = r * b.length() + t;
                    int id = b.ids()[i];
                    Modality expected = inSpan[i] ? Modality.IMAGE : Modality.TEXT;
                    assertThat(b.modalityAt(r, t)).isEqualTo(expected);
                    assertThat(VOCAB.modalityOf(id)).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void targetsAreTheNextTokenOfTheSameDocumentAndIgnoredElsewhere() {
        for (MixedBatch b : first(moma(4), 20)) {
            int checked = 0;
            for (int[] seg : segments(b)) {
                int base = seg[0] * b.length();
                for (int t = seg[1]; t < seg[2]; t++) {
                    int i = base + t;
                    if (t < seg[2] - 1) {
                        assertThat(b.targets()[i]).isEqualTo(b.ids()[i + 1]);
                        assertThat(b.targetModality()[i]).isEqualTo(b.modality()[i + 1]);
                        checked++;
                    } else {
                        assertThat(b.targets()[i]).isEqualTo(IG);
                    }
                }
            }
            for (int r = 0; r < b.rows(); r++) {
                for (int t = b.validLength()[r]; t < b.length(); t++) {
                    assertThat(b.targets()[r * b.length() + t]).isEqualTo(IG);
                }
            }
            assertThat(b.targetCount()).isEqualTo(checked);
        }
    }

    @Test
    void theCaptionFirstShareIsMet() {
        for (var o : List.of(MixedSequenceSource.Options.moma(4, 64, 9),
                MixedSequenceSource.Options.transfusion(4, 64, 9))) {
            int captionFirst = 0;
            int pairs = 0;
            for (MixedBatch b : first(stream(o, CODES, VOCAB), 600)) {
                for (ImageSpan s : b.images()) {
                    pairs++;
                    // Image first means the BOI right after BOS at the start of the document.
                    captionFirst += b.ids()[s.row() * b.length() + s.start() - 2] == VOCAB.bos() ? 0 : 1;
                }
            }
            assertThat(pairs).isGreaterThan(3 * PAIRS);
            assertThat((double) captionFirst / pairs).isCloseTo(o.captionFirstShare(), within(0.04));
        }
    }

    @Test
    void theSameSeedAndPositionGiveTheSameBatchesAndResumingIsExact() {
        List<MixedBatch> a = first(moma(21), 40);
        List<MixedBatch> again = first(moma(21), 40);
        for (int k = 0; k < a.size(); k++) {
            assertSameBatch(again.get(k), a.get(k));
        }
        assertThat(a.get(39).position().epoch()).as("the stream crosses epochs").isPositive();
        MixedSequenceSource resumed = moma(21);
        for (int k : new int[]{0, 7, 19, 38}) {
            try (var st = resumed.from(a.get(k).position())) {
                assertSameBatch(st.findFirst().orElseThrow(), a.get(k + 1));
            }
        }
        assertThat(first(moma(22), 1).get(0).ids()).isNotEqualTo(a.get(0).ids());
    }

    private static void assertSameBatch(MixedBatch actual, MixedBatch expected) {
        assertThat(actual.ids()).isEqualTo(expected.ids());
        assertThat(actual.targets()).isEqualTo(expected.targets());
        assertThat(actual.modality()).isEqualTo(expected.modality());
        assertThat(actual.targetModality()).isEqualTo(expected.targetModality());
        assertThat(actual.validLength()).isEqualTo(expected.validLength());
        assertThat(actual.documentStarts()).isDeepEqualTo(expected.documentStarts());
        assertThat(actual.images()).isEqualTo(expected.images());
        assertThat(actual.imageInputs()).isEqualTo(expected.imageInputs());
        assertThat(actual.position()).isEqualTo(expected.position());
    }

    @Test
    void continuousModePutsEachImagesPatchesInSpanOrder() {
        GridImageTokenizer patches = GridImageTokenizer.continuous(4);
        Vocabulary v = Vocabulary.of(100, 0);
        MixedSequenceSource s = stream(MixedSequenceSource.Options.transfusion(4, 64, 13), patches, v);
        Map<Integer, float[]> expected = new HashMap<>();
        for (MixedBatch b : first(s, 30)) {
            assertThat(b.imageInputWidth()).isEqualTo(3 * 4 * 4);
            int offset = 0;
            for (ImageSpan span : b.images()) {
                int base = span.row() * b.length();
                int[] ids = b.ids();
                // The caption names the pair: right after EOI (image first) or right after BOS (caption first).
                int c0;
                int c1;
                if (ids[base + span.start() - 2] == v.bos()) {
                    c0 = ids[base + span.end() + 1];
                    c1 = ids[base + span.end() + 2];
                } else {
                    int bos = span.start() - 1;
                    while (ids[base + bos] != v.bos()) {
                        bos--;
                    }
                    c0 = ids[base + bos + 1];
                    c1 = ids[base + bos + 2];
                }
                int pair = c0 - 1 + 90 * (c1 - 1);
                float[] want = expected.computeIfAbsent(pair, p -> ((ImageTokens.Continuous) patches
                        .encode(PAIR_LIST.get(p).image())).patches());
                int w = b.imageInputWidth();
                assertThat(Arrays.copyOfRange(b.imageInputs(), offset * w, (offset + span.length()) * w))
                        .containsExactly(want);
                for (int t = span.start() - 1; t < span.end(); t++) {
                    assertThat(b.targets()[base + t]).as("BOI and patches take no target").isEqualTo(IG);
                }
                assertThat(b.targets()[base + span.end()]).isEqualTo(ids[base + span.end() + 1]);
                offset += span.length();
            }
            assertThat(b.imageInputs().length).isEqualTo(offset * b.imageInputWidth());
        }
        assertThat(expected.size()).isGreaterThan(50);
    }

    @Test
    void optionsAndPositionsAreValidated() {
        assertThatThrownBy(() -> new MixedSequenceSource.Options(0, 8, 0, .5, 1)).hasMessageContaining("rows");
        assertThatThrownBy(() -> new MixedSequenceSource.Options(1, 8, 0, 1.5, 1))
                .hasMessageContaining("caption-first share");
        assertThatThrownBy(() -> new MixedSequenceSource.Options(1, 8, 0, .5, Double.NaN))
                .hasMessageContaining("ratio");
        assertThatThrownBy(() -> moma(1).batchAt(new DataPosition(0, 1_000_000)))
                .hasMessageContaining("past the");
        MixedSequenceSource badCaption = new MixedSequenceSource(SMALL, GridImageTokenizer.discrete(1, 4),
                List.of(new CaptionedImage(new int[]{1, 10}, RAMP)), List.of(), MixedSequenceSource.Options.moma(1, 16, 0));
        assertThatThrownBy(() -> badCaption.batchAt(DataPosition.START))
                .hasMessageContaining("text token 1 is 10, outside the text ids [0, 10)");
    }
}
