# The one place a release is described: its version is project(VERSION) in the top CMakeLists.txt;
# its date and notes go into the AppStream metainfo and the Debian changelog.
set(ODDSTAP_RELEASE_DATE "2026-12-05")
set(ODDSTAP_RELEASE_DATE_RFC2822 "Sat, 05 Dec 2026 12:00:00 +0000")
# The release's notes, one item each (under 72 characters: they become Debian changelog lines).
set(ODDSTAP_RELEASE_NOTES
    "First packaged release."
    "Live feeds stored exactly once into SQLite or PostgreSQL."
    "Recording, replay at any speed with seeking, and diff of captures."
    "Betfair Exchange Stream files and streams, with a price ladder."
    "CSV export of every table.")
set(ODDSTAP_MAINTAINER "OddsTap maintainers <maintainers@oddstap.invalid>")
# What the metainfo and the changelog hold of the notes.
set(ODDSTAP_RELEASE_NOTES_XML "")
set(ODDSTAP_RELEASE_NOTES_CHANGELOG "")
foreach(_note IN LISTS ODDSTAP_RELEASE_NOTES)
    string(APPEND ODDSTAP_RELEASE_NOTES_XML "          <li>${_note}</li>\n")
    string(APPEND ODDSTAP_RELEASE_NOTES_CHANGELOG "  * ${_note}\n")
endforeach()
# The application's reverse-DNS id (desktop file, icon, AppStream) and where it is published.
set(ODDSTAP_APP_ID "io.github.oddstap.OddsTap")
set(ODDSTAP_HOMEPAGE "https://github.com/oddstap/oddstap")
set(ODDSTAP_SCREENSHOT_BASE "https://raw.githubusercontent.com/oddstap/oddstap/main/docs/screenshots")
