package dev.portd.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version, from the resource Maven fills in; light enough for the client to load. */
public final class Version {
    private Version() {}

    public static final String VALUE = read();

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("/dev/portd/portd.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
