package io.fusion4j.eval.data;

import java.util.SplittableRandom;

/**
 * The built-in text corpus: English-like sentences from a small fixed grammar, generated from a seed.
 * It ships nothing from elsewhere, is the same on every machine, and has real structure (agreement,
 * word order, recurring phrases) for a small model to learn: a model that only knows word frequencies
 * stays far above what a model using context reaches.
 */
public final class BuiltinCorpus {
    private static final String[] ADJ = {"red", "small", "quiet", "old", "bright", "lazy", "quick", "green", "tall",
            "gentle"};
    private static final String[] NOUN = {"fox", "dog", "river", "tree", "bird", "stone", "garden", "child", "cat",
            "boat", "window", "hill"};
    private static final String[] VERB = {"sees", "follows", "watches", "finds", "passes", "hears", "likes", "avoids"};
    private static final String[] PREP = {"near", "behind", "under", "beside", "across"};
    private static final String[] TIME = {"in the morning", "at night", "after the rain", "every day", "before noon"};

    private BuiltinCorpus() {
    }

    private static String pick(SplittableRandom r, String[] words) {
        return words[r.nextInt(words.length)];
    }

    private static String phrase(SplittableRandom r) {
        return r.nextInt(3) == 0 ? "the " + pick(r, NOUN) : "the " + pick(r, ADJ) + " " + pick(r, NOUN);
    }

    /** One sentence: subject, verb, object, then optionally a place and a time. */
    static String sentence(SplittableRandom r) {
        StringBuilder s = new StringBuilder(phrase(r)).append(' ').append(pick(r, VERB)).append(' ').append(phrase(r));
        if (r.nextInt(2) == 0) {
            s.append(' ').append(pick(r, PREP)).append(' ').append(phrase(r));
        }
        if (r.nextInt(3) == 0) {
            s.append(' ').append(pick(r, TIME));
        }
        String t = s.append('.').toString();
        return Character.toUpperCase(t.charAt(0)) + t.substring(1);
    }

    /** The built-in training text: {@code generate(1234, 3000)}. */
    public static String training() {
        return generate(1234, 3000);
    }

    /** Held-out text from the same grammar with another seed, never trained on: {@code generate(4321, 120)}. */
    public static String heldOut() {
        return generate(4321, 120);
    }

    /** {@code documents} short documents of 3 to 8 sentences, separated by blank lines. */
    public static String generate(long seed, int documents) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder();
        for (int d = 0; d < documents; d++) {
            int n = 3 + r.nextInt(6);
            for (int i = 0; i < n; i++) {
                b.append(i == 0 ? "" : " ").append(sentence(r));
            }
            b.append("\n\n");
        }
        return b.toString();
    }
}
