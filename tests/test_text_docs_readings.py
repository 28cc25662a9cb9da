"""Technical documentation read aloud (en-US): timestamps, status codes, ports, standards, flags,
languages, commit hashes, versions, exponents, units, durations, reference abbreviations, arrows, and
sentence boundaries after inline code and abbreviations. Each reading was wrong before (the old reading
is in the comment); the rules are in narrate/text/technical.py, unitdata.py, abbreviations.py and
sentences.py."""

from __future__ import annotations

import pytest

from narrate.text import normalize, split_sentences
from narrate.text.markdown import markdown_to_speakable, speakable_text


def said(text: str) -> str:
    return normalize(text, "en-US")


@pytest.mark.parametrize(("written", "spoken"), [
    # was "two thousand twenty-four-zero three-zero five T fourteen:thirty:zero zero Z"
    ("It ran at 2024-03-05T14:30:00Z.", "It ran at March fifth, twenty twenty-four, two thirty PM U T C."),
    ("Logged 2024-03-05T14:30:00.123+01:00 today.",
     "Logged March fifth, twenty twenty-four, two thirty PM U T C plus one today."),
    ("At 2023-11-20T09:05:07-05:00 it failed.",
     "At November twentieth, twenty twenty-three, nine oh five and seven seconds U T C minus five it failed."),
])
def test_iso_timestamps_are_a_date_and_a_time(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("The server returns 404 when missing.", "The server returns four oh four when missing."),  # four hundred four
    ("You may see a 503 error.", "You may see a five oh three error."),
    ("It answers HTTP 200.", "It answers HTTP two hundred."),
    ("It replies with status 201 Created.", "It replies with status two oh one Created."),
    ("Handle 429 responses.", "Handle four twenty-nine responses."),
    ("A 500 Internal Server Error.", "A five hundred Internal Server Error."),
])
def test_http_status_codes_as_developers_say_them(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("The query returns 150 rows.", "The query returns one hundred fifty rows."),  # no registered status
    ("We fixed 404 bugs.", "We fixed four hundred four bugs."),  # no cue
    ("It returns 201 rows.", "It returns two hundred one rows."),  # a verb cue, then a counted noun
    ("It returns a 404.", "It returns a four oh four."),
    ("It got 201 votes.", "It got two hundred one votes."),
    ("Status: 404 here.", "Status: four oh four here."),  # "four hundred four"
])
def test_counts_stay_counts(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("Listen on port 8080.", "Listen on port eighty eighty."),  # eight thousand eighty
    ("Open ports 80 and 443.", "Open ports eighty and four forty-three."),
    ("Open localhost:3000 in a browser.", "Open localhost port three thousand in a browser."),
    ("Visit 127.0.0.1:5432 now.",
     "Visit one hundred twenty-seven dot zero dot zero dot one port fifty-four thirty-two now."),
    ("Meet at 10:30 today.", "Meet at ten thirty today."),  # a time is no port
    ("See main.rs:42 for it.", "See main dot r s line forty-two for it."),  # a file's line is no port
    ("Visit example.com:8443 now.", "Visit example dot com port eighty-four forty-three now."),
    ("Port 27017 is used.", "Port twenty-seven thousand seventeen is used."),
    ("Set PORT=8080 first.", "Set PORT equals eighty eighty first."),  # "PORT=eight thousand eighty"
    ("It speaks HTTP/1.1 200 OK.", "It speaks HTTP one point one two hundred OK."),  # "HTTP/one point one"
])
def test_ports(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("See RFC 9110 for details.", "See R F C ninety-one ten for details."),  # nine thousand one hundred ten
    ("Dates follow ISO 8601.", "Dates follow ISO eighty-six oh one."),
    ("Style follows PEP 8.", "Style follows PEP eight."),
    ("Floats are IEEE 754 doubles.", "Floats are I triple E seven fifty-four doubles."),
    ("Wi-Fi is IEEE 802.11 and RFC 2616.", "Wi-Fi is I triple E eight oh two point eleven and R F C twenty-six sixteen."),
])
def test_standards_numbers_are_names(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("Build with --release now.", "Build with dash dash release now."),  # "--release"
    ("Compile with -Wall and --no-cache.", "Compile with dash W all and dash dash no-cache."),
    ("Remove it with rm -rf.", "Remove it with rm dash r f."),
    ("Pass --jobs=4 to it.", "Pass dash dash jobs equals four to it."),
    ("A well-known pre-release.", "A well-known pre-release."),
    ("Pass -DNDEBUG here.", "Pass dash D NDEBUG here."),
    ("Use -Infinity here.", "Use dash Infinity here."),  # a word after a dash: not "I nfinity"
    ("The value is -1.", "The value is minus one."),
    ("A change of -USD 5.", "A change of minus five dollars."),  # a negative amount, no flag
])
def test_command_line_flags(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("Written in C++, C# and F#.", "Written in C plus plus, C sharp and F sharp."),  # "C++, C# and F#"
    ("C# and F# are languages.", "C sharp and F sharp are languages."),  # no keypad's pound either
    ("Use Notepad++ for it.", "Use Notepad plus plus for it."),
])
def test_languages_with_symbols(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("Targets C++17 and C++20.", "Targets C plus plus seventeen and C plus plus twenty."),  # "C++seventeen"
    ("Encode as UTF-8 and hash with SHA-256.", "Encode as UTF eight and hash with SHA two fifty-six."),
    ("Keys are RSA-2048 or AES256.", "Keys are RSA twenty forty-eight or AES two fifty-six."),
    ("Video is H.264 at 1080p, 60fps.", "Video is H two sixty-four at ten eighty p, sixty frames per second."),
    ("The 0x1F value and 0xFF mask.", "The hex one F value and hex F F mask."),  # "zero xFF"
    ("The v1.2.3-beta.1 release.", "The version one point two point three beta one release."),
    ("Version 2.0.0-rc.1 is out.", "Version two point zero point zero R C one is out."),
    ("Call fn(x) -> y.", "Call fn(x) to y."),
    ("reference AB-1234", "reference A B, one two three four"),  # an identifier after its label, as before
])
def test_names_with_numbers(written, spoken):
    assert said(written) == spoken


def test_pence_stay_pence_in_british_english():
    assert normalize("It costs 50p.", "en-GB") == "It costs fifty pence."


@pytest.mark.parametrize(("written", "spoken"), [
    ("Check out a1b2c3d to test.", "Check out A one B two C three D to test."),  # "a one b two..."
    ("Fixed in 3f9e2b7c1d.", "Fixed in three F nine E two B seven C one D."),
    ("A decade passed.", "A decade passed."),  # hex letters, no digit: a word
    ("Key 123e4567-e89b-12d3-a456-426614174000 here.",
     "Key one two three E four five six seven, E eight nine B, one two D three, A four five six, "
     "four two six six one four one seven four zero zero zero here."),  # was "one hundred twenty-three e ..."
])
def test_commit_hashes_are_spelled(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("Use the v2 API.", "Use the version two API."),  # "v two"
    ("Requires Node 18.x or later.", "Requires Node eighteen point x or later."),  # "eighteen.x"
    ("Pin ^1.2.0 for now.", "Pin caret one point two point zero for now."),
    ("Needs Python >=3.11 today.", "Needs Python at least three point eleven today."),  # "=three point one one"
    ("Built for x86_64 Linux.", "Built for x eighty-six sixty-four Linux."),  # "x eighty-six_sixty-four"
    ("Wait <10 minutes.", "Wait less than ten minutes."),  # "Wait ten minutes": the < was dropped
    ("E=mc^2 here.", "E=mc to the power of two here."),  # an exponent, as before
])
def test_versions(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("A tolerance of 1e-9 is fine.", "A tolerance of one times ten to the minus ninth is fine."),  # "one e-nine"
    ("About 6.02e23 atoms.", "About six point zero two times ten to the twenty-third atoms."),
    ("Takes 5 ns, 3 µs, 20 ms per call.", "Takes five nanoseconds, three microseconds, twenty milliseconds per call."),
    ("Runs at 3.2 GHz with 64 KiB and 512 MiB.",
     "Runs at three point two gigahertz with sixty-four kibibytes and five hundred twelve mebibytes."),
    ("Writes 200 MB/s.", "Writes two hundred megabytes per second."),
    ("It took 1m 30s.", "It took one minute thirty seconds."),  # "one meter thirty seconds"
    ("It took 2h 15m.", "It took two hours fifteen minutes."),
    ("A 5m cable.", "A five meter cable."),  # a lone m: meters, as before (singular before its noun)
])
def test_exponents_units_and_durations(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("See p. 12 and pp. 3-5 in vol. 2.", "See page twelve and pages three to five in volume two."),
    ("As in Eq. 3 and Sec. 4 of Ch. 2.", "As in Equation three and Section four of Chapter two."),
    ("Use a tool, e.g. Make, i.e. a build tool.", "Use a tool, for example Make, that is a build tool."),
])
def test_reference_abbreviations_are_read_whole(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("text", "sentences"), [
    ("Also Eq. 3 shows it.", ["Also Eq. 3 shows it."]),
    ("Like Eq. 3. Next.", ["Like Eq. 3.", "Next."]),
    ("See p. 12 and Ch. 4 here.", ["See p. 12 and Ch. 4 here."]),
    ("Tools, e.g. Make and Ninja, work. Then go.", ["Tools, e.g. Make and Ninja, work.", "Then go."]),
    ("Use one, i.e. Make, here.", ["Use one, i.e. Make, here."]),
])
def test_reference_abbreviations_do_not_end_sentences(text, sentences):
    assert split_sentences(text, "en") == sentences


@pytest.mark.parametrize(("source", "sentences"), [
    ("Run `make`. Then run the tests.", ["Run make.", "Then run the tests."]),
    ("Call `foo()`. Then return.", ["Call foo().", "Then return."]),
    ("Open `src/main.rs`. Then edit it.", ["Open src/main.rs.", "Then edit it."]),
    ("Run `npm i`. Next, test.", ["Run npm i.", "Next, test."]),  # one sentence: "i." was an initial
    ("Type `q`. Then it quits.", ["Type q.", "Then it quits."]),
    ("Use `a.b`. Then go.", ["Use a.b.", "Then go."]),
    ("Tools, e.g. Make, work.", ["Tools, e.g. Make, work."]),
    ("It runs at 5 p.m. Then it stops.", ["It runs at 5 p.m.", "Then it stops."]),  # as before
])
def test_a_sentence_ends_after_inline_code(source, sentences):
    assert split_sentences(speakable_text(markdown_to_speakable(source)), "en") == sentences


@pytest.mark.parametrize(("written", "spoken"), [
    ("Tested on Ubuntu 22.04 today.", "Tested on Ubuntu twenty-two oh four today."),  # "twenty-two point zero four"
    ("Click File → Save.", "Click File to Save."),  # "→" left to the engine
    ("Go from draft -> review.", "Go from draft to review."),  # "draft - review"
    ("→ Next step.", "Next step."),  # an arrow opening a line is a bullet
])
def test_os_releases_and_arrows(written, spoken):
    assert said(written) == spoken


def test_markdown_docs_page_reads_right():
    source = "Use `--release` and `-Wall`. Set `>=3.11` for `x86_64`. Hash `a1b2c3d`."
    assert said(speakable_text(markdown_to_speakable(source))) == (
        "Use dash dash release and dash W all. Set at least three point eleven for x eighty-six sixty-four. "
        "Hash A one B two C three D.")


@pytest.mark.parametrize("text", ["<-Part ", "{--release}", "Build with --release.", "Returns 404.", "C++ and C#.", "1e-9 s",
                                  "At 2024-03-05T14:30:00Z.", "Needs >=3.11.", "port 8080", "1m 30s"])
def test_readings_are_idempotent(text):
    assert said(said(text)) == said(text)


def test_other_languages_are_untouched():
    assert normalize("Puerto 8080 y --release.", "es-ES") == "Puerto ocho mil ochenta y --release."


@pytest.mark.parametrize(("written", "spoken"), [
    # was "CVE-two thousand twenty-four-one thousand two hundred thirty-four"
    ("Patch CVE-2024-1234 now.", "Patch C V E twenty twenty-four, one two three four now."),
    ("The flaw is CVE-2021-44228.", "The flaw is C V E twenty twenty-one, four four two two eight."),
    ("See CWE-79 and CWE-1321.", "See C W E seventy-nine and C W E thirteen twenty-one."),
])
def test_vulnerability_ids_are_a_year_and_digits(written, spoken):
    assert said(written) == spoken
    assert said(spoken) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("It panics at main.rs:42.", "It panics at main dot r s line forty-two."),  # was "main.rs:forty-two"
    ("See src/lib.rs:10:5 here.", "See src slash lib dot r s line ten column five here."),
    ("In app.py:120, it fails.", "In app dot p y line one hundred twenty, it fails."),
    ("At file.c:10:5: error here.", "At file dot c line ten column five: error here."),
    ("Edit config.toml:7 or index.html:12.", "Edit config dot toml line seven or index dot html line twelve."),
    ("Open localhost:3000 or example.com:8080.",
     "Open localhost port three thousand or example dot com port eighty eighty."),  # unchanged: hosts
    ("Meet at 10:30 and at ratio 3:1.", "Meet at ten thirty and at ratio three to one."),  # unchanged
])
def test_a_file_and_line_reference_says_line(written, spoken):
    assert said(written) == spoken


def test_a_file_and_line_in_inline_code_says_line():
    assert said(speakable_text(markdown_to_speakable("Fails at `main.rs:42`."))) == "Fails at main dot r s line forty-two."


@pytest.mark.parametrize(("written", "spoken"), [
    ("Certified to ISO/IEC 27001.", "Certified to ISO I E C twenty-seven oh oh one."),  # "twenty-seven thousand one"
    ("Safety follows IEC 61508.", "Safety follows I E C sixty-one five oh eight."),
    ("ISO 14001 and ISO/IEC 17025:2017.", "ISO fourteen oh oh one and ISO I E C seventeen oh two five, twenty seventeen."),
    ("Dates follow ISO 8601.", "Dates follow ISO eighty-six oh one."),  # unchanged: four digits
    ("Port 27017 is used.", "Port twenty-seven thousand seventeen is used."),  # unchanged: a port, no standard
])
def test_standards_of_five_digits_and_joint_bodies(written, spoken):
    assert said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    # were "k eight s", "i eighteen n", "l ten n", "a eleven y"
    ("Deploy to k8s with i18n, l10n and a11y.", "Deploy to K eights with I eighteen N, L ten N and A eleven Y."),
    ("Run K8s clusters.", "Run K eights clusters."),
    ("Add o11y and p13n.", "Add O eleven Y and P thirteen N."),
    ("Convert MP3 and H2O, p2p and b2b.", "Convert MP three and H two O, p two p and b two b."),  # unchanged: no numeronym
    ("Visit k8s.io today.", "Visit k eight s dot io today."),  # unchanged: a host
])
def test_numeronyms_are_said_letter_number_letter(written, spoken):
    assert said(written) == spoken
    assert said(spoken) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("We have 10k users.", "We have ten thousand users."),  # was "ten k users"
    ("Over 5K users signed up.", "Over five thousand users signed up."),
    ("It scans 2.5M rows.", "It scans two point five million rows."),
    ("Its 3B parameters and 1.2bn requests.", "Its three billion parameters and one point two billion requests."),
    ("A 3B model.", "A three B model."),  # after "a": one thing named by its size, as before
    ("Stars: 10k.", "Stars: ten thousand."),
    ("About 40k, then over 2M.", "About forty thousand, then over two million."),
    ("I ran a 10k race.", "I ran a ten k race."),  # a race, not a count: as before
    ("Use a 10k resistor.", "Use a ten k resistor."),
    ("The 5K run starts.", "The five K run starts."),
    ("It weighs 5 K.", "It weighs five K."),
])
def test_a_count_with_k_m_or_b_is_thousands_millions_billions(written, spoken):
    assert said(written) == spoken
    assert said(spoken) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    # were "greater than or equal to eighteen", "less than or equal to five": no left side to compare
    ("Must be >= 18.", "Must be at least eighteen."),
    ("Keep it <= 5 per call.", "Keep it at most five per call."),
    ("Values (>= 10) pass.", "Values (at least ten) pass."),
    (">= 3 retries", "at least three retries"),
    ("Requires Python >= 3.8 and numpy <= 1.26.",
     "Requires Python at least three point eight and numpy at most one point twenty-six."),
    ("Set != 0 here.", "Set not equal to zero here."),  # unchanged
    ("If x >= 5 and 5 <= y.", "If x greater than or equal to five and five less than or equal to y."),  # math: unchanged
    ("Five >= three.", "Five greater than or equal to three."),  # unchanged
])
def test_a_comparison_without_a_left_side_says_at_least_or_at_most(written, spoken):
    assert said(written) == spoken
    assert said(spoken) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    # were left as written ("~/.bashrc", "$HOME", "%PATH%"): engines say them as symbols or not at all
    ("Edit ~/.bashrc now.", "Edit tilde slash dot bashrc now."),
    ("Open ~/.config/nvim/init.lua.", "Open tilde slash dot config slash nvim slash init dot lua."),
    ("Set $HOME and ${XDG_CONFIG_HOME}.", "Set dollar HOME and dollar XDG_CONFIG_HOME."),
    ("Add it to %PATH% or %AppData%.", "Add it to percent PATH percent or percent AppData percent."),
    ("It costs $5 or 10% and ~5 more.", "It costs five dollars or ten percent and about five more."),  # unchanged
    ("Buy $AAPL today.", "Buy $AAPL today."),  # unchanged: a ticker, no shell variable
    # a known variable with digits after it: was "$CXX zero", then "dollar CXX zero" on a second reading
    ("Set $CXX0 and $HOME2.", "Set dollar CXX zero and dollar HOME two."),
])
def test_shell_variables_and_home_paths_are_said(written, spoken):
    assert said(written) == spoken
    assert said(spoken) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("See foo.py:3-5.", "See foo dot p y lines three to five."),  # was "line three-five"
    ("From 10k-20k users.", "From ten thousand to twenty thousand users."),  # was "ten k-twenty k"
    ("Fix in commit abc1234 now.", "Fix in commit A B C one two three four now."),  # "abc one thousand two hundred..."
])
def test_ranges_of_lines_and_counts_and_hashes_ending_in_digits(written, spoken):
    assert said(written) == spoken
