package io.fusion4j.eval.suite;

import io.fusion4j.api.UserInputException;

import java.util.Arrays;
import java.util.Locale;

/**
 * The budgets of {@code fusion4j eval --preset}: how long each variant trains, how many seeds, how many images are
 * drawn and scored. {@code smoke} proves the pipeline in minutes (its numbers mean little), {@code quick} is the
 * 2-core budget whose directions are worth reading, {@code full} is for a GPU or a long night.
 */
public enum SuitePreset {
    SMOKE(new Budget(30, 1, 0, 10, 40, new long[]{30, 60}, 3, 2, 10, 4, new double[]{1, 3})),
    QUICK(new Budget(300, 2, 300, 120, 200, new long[]{250, 500}, 8, 4, 25, 16, new double[]{1, 2, 3, 5})),
    FULL(new Budget(3000, 3, 1500, 1000, 600, new long[]{1500, 3000, 6000}, 16, 8, 50, 64,
            new double[]{1, 2, 3, 5, 7}));

    /**
     * @param momaSteps        steps of each sparse MoMa variant (dense also trains 2× and 4× as long)
     * @param seeds            seeds per variant (the default of {@code --seeds})
     * @param tokenizerSteps   VQ and VAE tokenizer steps (0: the fixed grid tokenizer and raw pixels)
     * @param upcycleSeedSteps steps of the 1t1i seed that upcycling grows (counted in the upcycled run's FLOPs)
     * @param auxSteps         auxiliary-router training steps
     * @param transfusionSteps the Transfusion suite's budgets, in steps of each variant
     * @param prompts          held-out single-object captions images are drawn for
     * @param samplesPerPrompt images per prompt
     * @param denoisingSteps   DDIM steps per image
     * @param captions         held-out images captioned
     * @param cfgScales        guidance scales of the CFG sweep (the first is the off setting, 1)
     */
    public record Budget(long momaSteps, int seeds, int tokenizerSteps, int upcycleSeedSteps, int auxSteps,
                         long[] transfusionSteps, int prompts, int samplesPerPrompt,
                         int denoisingSteps, int captions, double[] cfgScales) {
        @Override
        public String toString() {
            return "Budget[momaSteps=" + momaSteps + ", seeds=" + seeds + ", tokenizerSteps=" + tokenizerSteps
                    + ", upcycleSeedSteps=" + upcycleSeedSteps + ", auxSteps=" + auxSteps + ", transfusionSteps="
                    + Arrays.toString(transfusionSteps) + ", prompts=" + prompts + ", samplesPerPrompt="
                    + samplesPerPrompt + ", denoisingSteps=" + denoisingSteps + ", captions=" + captions
                    + ", cfgScales=" + Arrays.toString(cfgScales) + "]";
        }
    }

    private final Budget budget;

    SuitePreset(Budget budget) {
        this.budget = budget;
    }

    public Budget budget() {
        return budget;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The preset named {@code name}; an unknown one is an error listing the three. */
    public static SuitePreset of(String name) {
        for (SuitePreset p : values()) {
            if (p.label().equals(name)) {
                return p;
            }
        }
        throw new UserInputException("--preset: expected smoke, quick or full, found " + name);
    }
}
