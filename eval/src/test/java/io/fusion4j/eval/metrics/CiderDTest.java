package io.fusion4j.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.List;

class CiderDTest {

    private static final double LN2 = Math.log(2);

    @Test
    void smallCorpusMatchesAHandComputation() {
        // Two images, N = 2, so idf(g) = ln 2 − ln max(1, df(g)); write L = ln 2.
        // Reference n-grams per image: 0 → {a, cat, dog, "a cat", "a dog"}, 1 → {a, bird, "a bird"}.
        // df(a) = 2 → idf 0; every other reference n-gram has df 1 → idf L; unseen n-grams (the, "the bird") → L.
        //
        // Image 0, candidate "a cat":
        //   vs "a cat": n=1 {a:0, cat:L}·{a:0, cat:L} = L², norms L and L → 1; n=2 {"a cat":L} → 1;
        //               n=3, n=4 empty → 0; equal lengths → penalty 1. Sum over n = 2.
        //   vs "a dog": n=1 shares only "a", weight 0 → 0; n=2 nothing shared → 0. Sum 0.
        //   score = 10 · (2 + 0) / 2 refs / 4 orders = 2.5
        // Image 1, candidate "the bird" vs "a bird":
        //   n=1 candidate {the:L, bird:L}, norm L√2; reference {a:0, bird:L}, norm L; shared bird: L² → 1/√2;
        //   n=2 {"the bird"} vs {"a bird"} → 0; equal lengths.
        //   score = 10 · (1/√2) / 1 ref / 4 = 2.5/√2 ≈ 1.7678
        CiderD.Scores s = CiderD.score(List.of("a cat", "the bird"),
                List.of(List.of("a cat", "a dog"), List.of("a bird")));
        double[] expected = {2.5, 2.5 / Math.sqrt(2)};
        assertThat(s.perItem()[0]).isCloseTo(expected[0], within(1e-12));
        assertThat(s.perItem()[1]).isCloseTo(expected[1], within(1e-12));
        assertThat(s.mean()).isCloseTo((expected[0] + expected[1]) / 2, within(1e-12));
    }

    @Test
    void documentFrequencyCountsEachImageOnce() {
        // N = 3. "cat" is in the references of images 0 (twice) and 2: df = 2, not 3, so idf(cat) = ln 3 − ln 2.
        // Candidate "dog cat" for image 1 (reference "dog"): n=1 {dog: ln3, cat: ln1.5} vs {dog: ln3}:
        //   cosine = ln3² / (sqrt(ln3² + ln1.5²) · ln3); n=2 "dog cat" is unseen (weight ln 3) but the reference
        //   has no bigram → 0. Lengths 2 and 1 → penalty exp(−1/72). Score = 10 · penalty · cosine / 4.
        // Counting per reference would give df(cat) = 3, idf 0, cosine 1.
        CiderD.Scores s = CiderD.score(List.of("cat", "dog cat", "cat"),
                List.of(List.of("cat", "cat"), List.of("dog"), List.of("cat")));
        double ln3 = Math.log(3);
        double cosine = ln3 / Math.sqrt(ln3 * ln3 + Math.log(1.5) * Math.log(1.5));
        assertThat(s.perItem()[1]).isCloseTo(10 * Math.exp(-1.0 / 72) * cosine / 4, within(1e-12));
    }

    @Test
    void aCandidateIdenticalToItsReferencesBeatsADifferentOne() {
        List<List<String>> refs = List.of(List.of("a red circle", "A red circle."), List.of("a blue square"));
        double same = CiderD.score(List.of("a red circle", "a blue square"), refs).perItem()[0];
        double other = CiderD.score(List.of("a green triangle", "a blue square"), refs).perItem()[0];
        // Orders 1..3 match exactly (cosine 1) and the caption has no 4-gram: 10 · 3/4. "a" has idf 0 throughout.
        assertThat(same).isCloseTo(7.5, within(1e-12));
        assertThat(other).isCloseTo(0.0, within(1e-12));
        assertThat(same).isGreaterThan(other);
    }

    @Test
    void theLengthPenaltyLowersALongerCopy() {
        // N = 2; "the" is in both images' references, so idf(the) = 0 and repeating it leaves n=1 unchanged.
        // "the the cat" vs "the cat": n=1 cosine 1; n=2 {"the the":L, "the cat":L} (norm L√2) vs {"the cat":L} → 1/√2;
        // n=3 the reference has no trigram → 0. Lengths 3 and 2 → penalty exp(−1/72).
        List<List<String>> refs = List.of(List.of("the cat"), List.of("the dog"));
        double padded = CiderD.score(List.of("the the cat", "the dog"), refs).perItem()[0];
        assertThat(padded).isCloseTo(10 * Math.exp(-1.0 / 72) * (1 + 1 / Math.sqrt(2)) / 4, within(1e-12));

        List<List<String>> longer = List.of(List.of("a small red cat sits"), List.of("a big dog runs"));
        double copy = CiderD.score(List.of("a small red cat sits", "a big dog runs"), longer).perItem()[0];
        double doubled = CiderD.score(List.of("a small red cat sits a small red cat sits", "a big dog runs"),
                longer).perItem()[0];
        assertThat(copy).isCloseTo(10.0, within(1e-12));
        assertThat(doubled).isLessThan(copy);
    }

    @Test
    void repeatingAMatchedWordDoesNotRaiseTheScore() {
        // N = 2, L = ln 2. Reference "cat sat": n=1 {cat:L, sat:L}, norm L√2. Both candidates have 4 tokens, so the
        // penalty exp(−(4−2)²/72) is the same, and no candidate bigram occurs in the reference.
        //   "cat zebra yak moose": n=1 norm 2L, shared cat: L·L → 1/(2√2)
        //   "cat cat cat zebra":   n=1 {cat:3L, zebra:L}, norm L√10; clipped min(3L, L)·L = L² → 1/√20
        // Without clipping the second would score 3/√20 ≈ 0.67, above 1/(2√2) ≈ 0.35.
        List<List<String>> refs = List.of(List.of("cat sat"), List.of("dog ran"));
        double once = CiderD.score(List.of("cat zebra yak moose", "dog ran"), refs).perItem()[0];
        double repeated = CiderD.score(List.of("cat cat cat zebra", "dog ran"), refs).perItem()[0];
        double penalty = Math.exp(-4.0 / 72);
        assertThat(once).isCloseTo(10 * penalty / (2 * Math.sqrt(2)) / 4, within(1e-12));
        assertThat(repeated).isCloseTo(10 * penalty / Math.sqrt(20) / 4, within(1e-12));
        assertThat(repeated).isLessThan(once);
    }

    @Test
    void aSingleImageCorpusScoresZero() {
        // idf = ln 1 − ln 1 = 0 for every n-gram.
        assertThat(CiderD.score(List.of("a cat"), List.of(List.of("a cat"))).mean()).isEqualTo(0.0);
    }

    @Test
    void tokenisesLowerCaseOnLettersAndDigits() {
        assertThat(CiderD.tokenize("A red-cat, 2x!  Été")).containsExactly("a", "red", "cat", "2x", "été");
        assertThat(CiderD.tokenize(" ...")).isEmpty();
        double emptyCandidate = CiderD.score(List.of("", "dog"), List.of(List.of("cat"), List.of("dog")))
                .perItem()[0];
        assertThat(emptyCandidate).isEqualTo(0.0);
    }

    @Test
    void refusesMismatchedOrEmptyInput() {
        assertThatThrownBy(() -> CiderD.score(List.of("a", "b"), List.of(List.of("a"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("references: expected one list per candidate (2)").hasMessageContaining("found 1");
        assertThatThrownBy(() -> CiderD.score(List.of("a", "b"), List.of(List.of("a"), List.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one reference for image 1").hasMessageContaining("found none");
        assertThatThrownBy(() -> CiderD.score(List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one image");
    }
}
