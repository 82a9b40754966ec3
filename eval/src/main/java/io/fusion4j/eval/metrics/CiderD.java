package io.fusion4j.eval.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Corpus-level CIDEr-D (Vedantam et al. 2015), the variant computed by coco-caption's {@code ciderD} scorer.
 *
 * <p>What is computed, for a corpus of {@code N} images, each with one candidate caption and a non-empty set of
 * reference captions:
 * <ol>
 *   <li>Every caption is tokenised ({@link #tokenize}) and cut into n-grams for {@code n = 1..4}; {@code tf(g)} is
 *       the number of times n-gram {@code g} occurs in one caption.</li>
 *   <li>{@code df(g)} is the number of images whose reference set contains {@code g} at least once (an image
 *       counts once however many of its references hold it; candidates never count).</li>
 *   <li>{@code idf(g) = ln(N) − ln(max(1, df(g)))}, so an n-gram in every image's references weighs 0 and one
 *       in no reference (only a candidate can hold it) weighs {@code ln N}: it adds to the candidate's norm and so
 *       lowers its score. With {@code N = 1} every weight is 0 and every score is 0.</li>
 *   <li>Per caption and per n, the vector {@code v(g) = tf(g)·idf(g)}.</li>
 *   <li>For a candidate {@code c} and one reference {@code r}, per n:
 *       {@code s_n = Σ_g min(v_c(g), v_r(g))·v_r(g) / (‖v_c‖·‖v_r‖)} (0 when either norm is 0). The {@code min}
 *       is the "D" clipping: repeating an n-gram beyond the reference's count earns nothing, while the norm of
 *       the unclipped candidate vector still grows. Then {@code s_n} is multiplied by the length penalty
 *       {@code exp(−(l_c − l_r)²/(2·6²))}, with {@code l} the caption's length in tokens.</li>
 *   <li>An image's score is {@code 10 · (1/4)·Σ_n (1/|refs|)·Σ_r s_n(c, r)}; the corpus score is the mean over
 *       images.</li>
 * </ol>
 * coco-caption measures {@code l} in bigrams rather than tokens; for a non-empty caption the two differ by exactly
 * one, so the length difference is the same, and an empty caption has all-zero vectors and scores 0 either way.
 * Its PTB tokeniser is replaced by the simpler rule of {@link #tokenize}, so punctuation-heavy text may differ
 * slightly from coco-caption's numbers.
 */
public final class CiderD {

    /** The longest n-gram. */
    public static final int MAX_N = 4;
    /** σ of the Gaussian length penalty, in tokens. */
    public static final double SIGMA = 6.0;

    private CiderD() {
    }

    /**
     * Scores of a corpus.
     *
     * @param mean    the corpus CIDEr-D: the mean of {@code perItem}
     * @param perItem one score per candidate, in the order given (copied in and out)
     */
    public record Scores(double mean, double[] perItem) {

        /** Copies {@code perItem}. */
        public Scores {
            perItem = perItem.clone();
        }

        /** A copy of the per-candidate scores. */
        @Override
        public double[] perItem() {
            return perItem.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Scores s && Double.compare(mean, s.mean) == 0 && Arrays.equals(perItem, s.perItem);
        }

        @Override
        public int hashCode() {
            return 31 * Double.hashCode(mean) + Arrays.hashCode(perItem);
        }

        @Override
        public String toString() {
            return "Scores[mean=" + mean + ", perItem=" + Arrays.toString(perItem) + "]";
        }
    }

    /**
     * Scores each candidate against its references, with document frequencies taken over the whole corpus given
     * here (see the class comment for the exact formula).
     *
     * @param candidates one caption per image; may be empty strings (they score 0)
     * @param references for each image, a non-empty list of reference captions, same order as {@code candidates}
     * @throws IllegalArgumentException if the sizes differ, the corpus is empty, an image has no references, or an
     *                                  entry is null
     */
    public static Scores score(List<String> candidates, List<List<String>> references) {
        if (candidates == null || references == null) {
            throw new IllegalArgumentException("candidates and references: expected lists, found null");
        }
        if (candidates.size() != references.size()) {
            throw new IllegalArgumentException("references: expected one list per candidate (" + candidates.size()
                    + "), found " + references.size());
        }
        int images = candidates.size();
        if (images == 0) {
            throw new IllegalArgumentException("candidates: expected at least one image, found none");
        }
        List<List<Map<List<String>, Integer>>> refCounts = new ArrayList<>(images);
        List<int[]> refLengths = new ArrayList<>(images);
        Map<List<String>, Integer> documentFrequency = new HashMap<>();
        for (int i = 0; i < images; i++) {
            if (candidates.get(i) == null) {
                throw new IllegalArgumentException("candidates: expected a caption at index " + i + ", found null");
            }
            List<String> refs = references.get(i);
            if (refs == null || refs.isEmpty()) {
                throw new IllegalArgumentException("references: expected at least one reference for image " + i
                        + ", found " + (refs == null ? "null" : "none"));
            }
            List<Map<List<String>, Integer>> counts = new ArrayList<>(refs.size());
            int[] lengths = new int[refs.size()];
            Set<List<String>> seen = new HashSet<>();
            for (int r = 0; r < refs.size(); r++) {
                String ref = refs.get(r);
                if (ref == null) {
                    throw new IllegalArgumentException("references: expected a caption at image " + i
                            + ", reference " + r + ", found null");
                }
                List<String> tokens = tokenize(ref);
                lengths[r] = tokens.size();
                Map<List<String>, Integer> c = ngramCounts(tokens);
                counts.add(c);
                seen.addAll(c.keySet());
            }
            for (List<String> g : seen) {
                documentFrequency.merge(g, 1, Integer::sum);
            }
            refCounts.add(counts);
            refLengths.add(lengths);
        }
        double logImages = Math.log(images);

        double[] perItem = new double[images];
        double total = 0;
        for (int i = 0; i < images; i++) {
            List<String> candTokens = tokenize(candidates.get(i));
            Weighted cand = weigh(ngramCounts(candTokens), candTokens.size(), documentFrequency, logImages);
            double[] sum = new double[MAX_N];
            List<String> refs = references.get(i);
            for (int r = 0; r < refs.size(); r++) {
                Weighted ref = weigh(refCounts.get(i).get(r), refLengths.get(i)[r], documentFrequency, logImages);
                double delta = cand.length - ref.length;
                double penalty = Math.exp(-(delta * delta) / (2 * SIGMA * SIGMA));
                for (int n = 0; n < MAX_N; n++) {
                    sum[n] += penalty * clippedCosine(cand, ref, n);
                }
            }
            double meanOverN = 0;
            for (int n = 0; n < MAX_N; n++) {
                meanOverN += sum[n] / refs.size();
            }
            perItem[i] = 10.0 * meanOverN / MAX_N;
            total += perItem[i];
        }
        return new Scores(total / images, perItem);
    }

    /**
     * The tokens of a caption: lower-cased (root locale), split on every code point that is not a letter or digit,
     * empty pieces dropped. {@code "A red-cat, 2x!"} gives {@code [a, red, cat, 2x]}.
     */
    public static List<String> tokenize(String caption) {
        String lower = caption.toLowerCase(Locale.ROOT);
        List<String> tokens = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        lower.codePoints().forEach(cp -> {
            if (Character.isLetterOrDigit(cp)) {
                current.appendCodePoint(cp);
            } else if (!current.isEmpty()) {
                tokens.add(current.toString());
                current.setLength(0);
            }
        });
        if (!current.isEmpty()) {
            tokens.add(current.toString());
        }
        return tokens;
    }

    private static Map<List<String>, Integer> ngramCounts(List<String> tokens) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int n = 1; n <= MAX_N; n++) {
            for (int start = 0; start + n <= tokens.size(); start++) {
                counts.merge(List.copyOf(tokens.subList(start, start + n)), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** TF-IDF vectors split by n-gram order, with their norms. */
    private record Weighted(List<Map<List<String>, Double>> vectors, double[] norms, int length) {
    }

    private static Weighted weigh(Map<List<String>, Integer> counts, int length, Map<List<String>, Integer> df,
                                  double logImages) {
        List<Map<List<String>, Double>> vectors = new ArrayList<>(MAX_N);
        for (int n = 0; n < MAX_N; n++) {
            vectors.add(new HashMap<>());
        }
        double[] squares = new double[MAX_N];
        for (Map.Entry<List<String>, Integer> e : counts.entrySet()) {
            List<String> g = e.getKey();
            double idf = logImages - Math.log(Math.max(1, df.getOrDefault(g, 0)));
            double v = e.getValue() * idf;
            vectors.get(g.size() - 1).put(g, v);
            squares[g.size() - 1] += v * v;
        }
        double[] norms = new double[MAX_N];
        for (int n = 0; n < MAX_N; n++) {
            norms[n] = Math.sqrt(squares[n]);
        }
        return new Weighted(vectors, norms, length);
    }

    private static double clippedCosine(Weighted cand, Weighted ref, int n) {
        if (cand.norms[n] == 0 || ref.norms[n] == 0) {
            return 0;
        }
        Map<List<String>, Double> refVector = ref.vectors.get(n);
        double dot = 0;
        for (Map.Entry<List<String>, Double> e : cand.vectors.get(n).entrySet()) {
            Double r = refVector.get(e.getKey());
            if (r != null) {
                dot += Math.min(e.getValue(), r) * r;
            }
        }
        return dot / (cand.norms[n] * ref.norms[n]);
    }
}
