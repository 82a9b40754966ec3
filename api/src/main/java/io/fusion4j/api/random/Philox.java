package io.fusion4j.api.random;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a counter-based
 * generator, so any element of a random stream can be computed independently and every backend draws
 * the same numbers for the same {@code (seed, offset)}.
 *
 * <p>fusion4j's mapping (every backend implements exactly this):
 * <ul>
 *   <li>key = (low 32 bits of seed, high 32 bits of seed);</li>
 *   <li>uniform element {@code e} of a draw at {@code offset}: {@code g = offset + e}; counter =
 *       (low, high 32 bits of {@code g / 4}, 0, 0); word {@code g % 4} of the output, as
 *       {@code (word >>> 8) * 2^-24}, a float in {@code [0, 1)};</li>
 *   <li>normal element {@code e}: {@code g = offset + e}; pair {@code p = g / 2} uses block {@code p / 2} and words
 *       {@code 2 (p % 2)} and {@code 2 (p % 2) + 1} as {@code u1 = (w0 >>> 8 + 1) 2^-24} (in (0, 1]) and
 *       {@code u2 = (w1 >>> 8) 2^-24}; {@code r = sqrt(-2 ln u1)}, {@code z = r cos(2 pi u2)} for even {@code g},
 *       {@code r sin(2 pi u2)} for odd, computed in double and rounded to float.</li>
 * </ul>
 * Uniform draws are bit-identical across backends; normal draws agree to float rounding of the
 * transcendental functions.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final float INV_2_24 = 1.0f / (1 << 24);

    private Philox() {
    }

    /**
     * One Philox4x32-10 block: 10 rounds on {@code counter[0..3]} with key {@code (k0, k1)}; the result
     * is written to {@code out[0..3]}. Allocates nothing.
     */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int r = 0; r < 10; r++) {
            long p0 = (M0 & 0xffffffffL) * (c0 & 0xffffffffL);
            long p1 = (M1 & 0xffffffffL) * (c2 & 0xffffffffL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** Converts a 32-bit word to a float in {@code [0, 1)}. */
    public static float toUniform(int word) {
        return (word >>> 8) * INV_2_24;
    }

    /** Converts a 32-bit word to a float in {@code (0, 1]}. */
    public static float toUniformOpenZero(int word) {
        return ((word >>> 8) + 1) * INV_2_24;
    }

    /**
     * The block holding element {@code g} of either draw: four uniforms, or two Box–Muller pairs, per block,
     * so both use counter {@code g / 4}.
     */
    public static long blockIndex(long g) {
        return g >>> 2;
    }

    /** Computes block {@code blockIndex} for {@code seed} into {@code out[0..3]}. */
    public static void block(long blockIndex, long seed, int[] out) {
        block((int) blockIndex, (int) (blockIndex >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), out);
    }

    /** Uniform element {@code g} from its block: word {@code g % 4}. */
    public static float uniformFromBlock(int[] block, long g) {
        return toUniform(block[(int) (g & 3)]);
    }

    /** Normal element {@code g} from its block: pair {@code g / 2} uses words {@code 2 (pair % 2)} and the next. */
    public static float normalFromBlock(int[] block, long g) {
        int w = (int) (g & 2);
        return boxMuller(block[w], block[w + 1], (g & 1) == 0);
    }

    /** Uniform element at global index {@code g} (= offset + e) for {@code seed}. */
    public static float uniform(long seed, long g) {
        int[] out = new int[4];
        block(blockIndex(g), seed, out);
        return uniformFromBlock(out, g);
    }

    /** Normal element at global index {@code g} for {@code seed}. */
    public static float normal(long seed, long g) {
        int[] out = new int[4];
        block(blockIndex(g), seed, out);
        return normalFromBlock(out, g);
    }

    /** Box–Muller on two words, cosine branch when {@code first}; the shared formula every backend uses. */
    public static float boxMuller(int w0, int w1, boolean first) {
        double u1 = toUniformOpenZero(w0);
        double u2 = toUniform(w1);
        double r = Math.sqrt(-2.0 * Math.log(u1));
        double theta = 2.0 * Math.PI * u2;
        return (float) (first ? r * Math.cos(theta) : r * Math.sin(theta));
    }
}
