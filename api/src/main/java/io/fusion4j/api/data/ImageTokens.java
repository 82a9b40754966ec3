package io.fusion4j.api.data;

/**
 * What an {@link ImageTokenizer} makes of one image: either discrete codes (MoMa, Chameleon: the image becomes
 * vocabulary tokens predicted like text) or continuous patch vectors (Transfusion: the image enters as vectors and
 * is trained by a diffusion loss, not by next-token prediction). Sealed, because the sequence builder lays the two
 * out differently and must handle both.
 */
public sealed interface ImageTokens {
    /** Sequence positions the image occupies (without its BOI/EOI markers). */
    int length();

    /**
     * Codebook indices in {@code [0, codebook size)}, in raster order. They are local to the image codebook: the
     * {@link Vocabulary} places them in the shared vocabulary, so a tokenizer need not know the text vocabulary.
     */
    record Discrete(int[] codes) implements ImageTokens {
        public Discrete {
            if (codes.length == 0) {
                throw new IllegalArgumentException("an image needs at least one code");
            }
            for (int i = 0; i < codes.length; i++) {
                if (codes[i] < 0) {
                    throw new IllegalArgumentException("code " + i + " is " + codes[i] + ", expected >= 0");
                }
            }
        }

        @Override
        public int length() {
            return codes.length;
        }
    }

    /** {@code count} patch vectors of {@code width} floats each, row-major, in raster order of the patches. */
    record Continuous(float[] patches, int count, int width) implements ImageTokens {
        public Continuous {
            if (count < 1 || width < 1) {
                throw new IllegalArgumentException("continuous image tokens need count and width >= 1, found count="
                        + count + " width=" + width);
            }
            if (patches.length != (long) count * width) {
                throw new IllegalArgumentException(count + " patches of width " + width + " need " + (long) count * width
                        + " floats, found " + patches.length);
            }
            for (int i = 0; i < patches.length; i++) {
                if (!Float.isFinite(patches[i])) {
                    throw new IllegalArgumentException("patch value " + i + " is " + patches[i]);
                }
            }
        }

        @Override
        public int length() {
            return count;
        }
    }
}
