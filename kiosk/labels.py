"""Every word the kiosk and the ticket status page show, in Bahasa Indonesia and English.

One table for the whole front-end. Templates render the Indonesian text first (so a page is
readable before its script runs) and mark each element with `data-t="<key>"`; the pages'
scripts switch languages from the same table, which they receive as JSON. `{name}` fields are
filled in by the scripts. A label counting `{n}` may have a singular `<key>_one`, used when n is
1 (English only: Indonesian nouns do not change with the count), and a `<key>_zero`, used when
n is 0 where "0 people" would read like a mistake ("Anda berikutnya").
"""

from __future__ import annotations

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

LABELS: dict[str, dict[str, str]] = {
    "id": {
        # shared
        "language_toggle": "English",
        "language_name": "Bahasa Indonesia",
        "minutes": "{n} menit",
        "minutes_approx": "≈ {n} menit",
        "minutes_range": "{low}–{high} menit",
        "eta_not_today": "Mungkin tidak terlayani hari ini",
        "people": "{n} orang",
        "back": "Kembali",
        "cancel": "Batal",
        "offline_title": "Tidak terhubung ke server",
        "offline_detail": "Anjungan sedang mencoba menyambung kembali. Mohon tunggu sebentar "
        "atau hubungi petugas.",
        "reconnecting": "Menyambung kembali…",
        # kiosk: home
        "kiosk_title": "Ambil Nomor Antrean",
        "choose_agency": "Pilih instansi",
        "choose_service": "Pilih layanan",
        "priority_button": "Antrean Prioritas",
        "priority_who": "Lansia · Penyandang disabilitas · Ibu hamil",
        "priority_title": "Antrean prioritas",
        "priority_explain": "Untuk lansia (60 tahun ke atas), penyandang disabilitas dan ibu "
        "hamil. Anda akan dipanggil lebih dahulu. Petugas dapat meminta bukti.",
        "priority_choose": "Pilih salah satu:",
        "priority_lansia": "Lansia",
        "priority_disabilitas": "Penyandang disabilitas",
        "priority_ibu_hamil": "Ibu hamil",
        "priority_mode": "Mode prioritas: {kind}",
        "priority_badge": "PRIORITAS",
        "priority_stop": "Bukan prioritas",
        "services_count": "{n} layanan",
        "all_closed": "Semua layanan tutup",
        # kiosk: services
        "waiting": "Menunggu",
        "eta": "Perkiraan tunggu",
        "quota_left": "Sisa kuota",
        "quota_unlimited": "Tanpa batas",
        "eta_unknown": "Loket belum buka",
        "closed": "TUTUP",
        "reason_closed_by_admin": "Ditutup sementara",
        "reason_outside_hours": "Di luar jam layanan",
        "reason_quota_reached": "Kuota hari ini habis",
        "reason_mall_closed": "Tutup hari ini",
        "service_hours": "Jam layanan {span}",
        # kiosk: confirm and issue
        "confirm_title": "Ambil nomor untuk layanan ini?",
        "confirm_button": "Ya, ambil nomor",
        "issuing": "Mengambil dan mencetak nomor…",
        "your_number": "Nomor antrean Anda",
        "ahead": "Orang di depan Anda",
        "you_are_next": "Anda berikutnya",
        "please_wait": "Silakan menunggu panggilan",
        "scan_qr": "Pindai kode QR untuk memantau antrean dari ponsel",
        "printer_failed": "Printer gagal mencetak tiket.",
        "printer_failed_detail": "Nomor Anda sudah tercatat. Silakan foto layar ini atau "
        "kode QR-nya, lalu tunggu panggilan.",
        "printer_unsure": "Printer tidak memastikan tiket Anda tercetak.",
        "printer_unsure_detail": "Nomor Anda sudah tercatat. Jika tiket tidak keluar, foto "
        "layar ini atau kode QR-nya, lalu tunggu panggilan.",
        "done": "Selesai",
        "returning": "Kembali ke awal dalam {n} detik",
        "issue_failed": "Nomor belum diambil",
        "issue_failed_network": "Server tidak dapat dihubungi, jadi belum ada nomor untuk "
        "Anda. Silakan coba lagi.",
        "issue_failed_closed": "Layanan ini sedang tidak menerima antrean.",
        "issue_failed_quota": "Kuota layanan ini untuk hari ini sudah habis.",
        "issue_failed_other": "Terjadi kesalahan. Silakan coba lagi atau hubungi petugas.",
        "issue_failed_busy": "Anjungan ini sedang sibuk; belum ada nomor untuk Anda. Silakan "
        "coba lagi sebentar lagi atau gunakan anjungan lain.",
        "issue_failed_unavailable": "Layanan antrean sementara tidak tersedia; belum ada nomor "
        "yang diambil. Silakan coba lagi sebentar lagi atau hubungi petugas.",
        "try_again": "Coba lagi",
        "printer_problem": "Printer anjungan bermasalah",
        # kiosk: not set up
        "setup_title": "Anjungan belum dipasang",
        "setup_intro": "Layar ini belum masuk sebagai anjungan. Petugas TI dapat "
        "memasangnya sekali saja:",
        "setup_step1": "Di server, daftarkan anjungan dan catat alamat pemasangannya:",
        "setup_step2": "Buka alamat pemasangan itu (…/kiosk/setup#TOKEN) di browser "
        "anjungan ini. Token disimpan dan halaman ini berganti menjadi anjungan.",
        "setup_refused": "Token anjungan ditolak. Minta petugas TI memasang ulang anjungan.",
        # status page
        "status_title": "Status antrean",
        "status_number": "Nomor antrean",
        "status_waiting": "Menunggu",
        "status_called": "Dipanggil",
        "status_serving": "Sedang dilayani",
        "status_done": "Selesai",
        "status_no_show": "Tidak hadir saat dipanggil",
        "status_cancelled": "Dibatalkan",
        "status_unserved": "Tidak terlayani hari ini",
        "status_unserved_past": "Tidak terlayani pada {date}",
        "status_on_hold": "Ditunda sementara",
        "go_to": "Silakan menuju",
        "being_served_at": "Anda sedang dilayani di",
        "thank_you": "Terima kasih atas kunjungan Anda.",
        "no_show_detail": "Nomor Anda sudah dipanggil tetapi Anda tidak hadir. Silakan "
        "hubungi petugas informasi.",
        "cancelled_detail": "Nomor ini dibatalkan. Silakan hubungi petugas informasi.",
        "unserved_detail": "Mohon maaf, layanan hari ini sudah berakhir sebelum nomor Anda "
        "dipanggil. Silakan ambil nomor baru pada hari layanan berikutnya; kami mohon maaf "
        "atas waktu Anda.",
        "unserved_past_detail": "Mohon maaf, layanan pada {date} sudah berakhir sebelum nomor "
        "Anda dipanggil. Nomor ini tidak berlaku lagi; silakan ambil nomor baru pada hari "
        "layanan berikutnya. Kami mohon maaf atas waktu Anda.",
        "no_show_past_detail": "Nomor Anda dipanggil pada {date} tetapi Anda tidak hadir. "
        "Nomor ini tidak berlaku lagi; silakan ambil nomor baru.",
        "on_hold_detail": "Layanan Anda ditunda sementara; petugas akan memanggil Anda lagi.",
        "sound_on": "Aktifkan suara & getar",
        "sound_ready": "Suara aktif",
        "keep_open": "Biarkan halaman ini terbuka; ia berbunyi saat Anda dipanggil.",
        "near_alert": "Tinggal {n} orang lagi di depan Anda. Bersiaplah menuju loket.",
        "near_alert_zero": "Anda berikutnya. Bersiaplah menuju loket.",
        "title_near": "({n}) Segera dipanggil — {number}",
        "title_near_zero": "Anda berikutnya — {number}",
        "title_called": "(!) Dipanggil — {number}",
        "requirements_title": "Persyaratan yang perlu dibawa",
        "fee": "Biaya",
        "free": "Gratis",
        "live_offline": "Koneksi terputus, mencoba lagi…",
        "not_found_title": "Nomor antrean tidak ditemukan",
        "not_found_detail": "Alamat ini tidak dikenal. Periksa kode QR pada tiket Anda, atau "
        "tanyakan ke petugas informasi.",
        "transferred": "Dipindahkan ke layanan lain",
    },
    "en": {
        "language_toggle": "Bahasa Indonesia",
        "language_name": "English",
        "minutes": "{n} min",
        "minutes_approx": "≈ {n} min",
        "minutes_range": "{low}–{high} min",
        "eta_not_today": "May not be served today",
        "people": "{n} people",
        "people_one": "{n} person",
        "back": "Back",
        "cancel": "Cancel",
        "offline_title": "Not connected to the server",
        "offline_detail": "The kiosk is trying to reconnect. Please wait a moment or ask a "
        "staff member.",
        "reconnecting": "Reconnecting…",
        "kiosk_title": "Take a Queue Number",
        "choose_agency": "Choose an agency",
        "choose_service": "Choose a service",
        "priority_button": "Priority Queue",
        "priority_who": "Elderly · People with disabilities · Pregnant women",
        "priority_title": "Priority queue",
        "priority_explain": "For elderly visitors (60 and over), people with disabilities and "
        "pregnant women. You will be called first. Staff may ask for proof.",
        "priority_choose": "Choose one:",
        "priority_lansia": "Elderly",
        "priority_disabilitas": "Person with a disability",
        "priority_ibu_hamil": "Pregnant",
        "priority_mode": "Priority mode: {kind}",
        "priority_badge": "PRIORITY",
        "priority_stop": "Not priority",
        "services_count": "{n} services",
        "services_count_one": "{n} service",
        "all_closed": "All services closed",
        "waiting": "Waiting",
        "eta": "Estimated wait",
        "quota_left": "Quota left",
        "quota_unlimited": "No limit",
        "eta_unknown": "No counter open yet",
        "closed": "CLOSED",
        "reason_closed_by_admin": "Temporarily closed",
        "reason_outside_hours": "Outside service hours",
        "reason_quota_reached": "Today's quota is used up",
        "reason_mall_closed": "Closed today",
        "service_hours": "Service hours {span}",
        "confirm_title": "Take a number for this service?",
        "confirm_button": "Yes, take a number",
        "issuing": "Taking and printing your number…",
        "your_number": "Your queue number",
        "ahead": "People ahead of you",
        "you_are_next": "You are next",
        "please_wait": "Please wait to be called",
        "scan_qr": "Scan the QR code to follow the queue on your phone",
        "printer_failed": "The printer could not print your ticket.",
        "printer_failed_detail": "Your number is registered. Please take a photo of this "
        "screen or its QR code, then wait to be called.",
        "printer_unsure": "The printer did not confirm your ticket was printed.",
        "printer_unsure_detail": "Your number is registered. If no ticket came out, take a "
        "photo of this screen or its QR code, then wait to be called.",
        "done": "Done",
        "returning": "Back to the start in {n} s",
        "issue_failed": "No number was taken",
        "issue_failed_network": "The server could not be reached, so no number was issued "
        "for you. Please try again.",
        "issue_failed_closed": "This service is not taking tickets right now.",
        "issue_failed_quota": "Today's quota for this service is used up.",
        "issue_failed_other": "Something went wrong. Please try again or ask a staff member.",
        "issue_failed_busy": "This kiosk is busy; no number was issued for you yet. Please try "
        "again in a moment or use another kiosk.",
        "issue_failed_unavailable": "The queue system is temporarily unavailable; no number "
        "was taken. Please try again in a moment or ask a staff member.",
        "try_again": "Try again",
        "printer_problem": "The kiosk printer has a problem",
        "setup_title": "This kiosk is not set up yet",
        "setup_intro": "This screen is not signed in as a kiosk. IT staff set it up once:",
        "setup_step1": "On the server, register the kiosk and note its setup address:",
        "setup_step2": "Open that setup address (…/kiosk/setup#TOKEN) in this kiosk's "
        "browser. The token is kept and this page becomes the kiosk.",
        "setup_refused": "The kiosk token was refused. Ask IT staff to set the kiosk up again.",
        "status_title": "Queue status",
        "status_number": "Queue number",
        "status_waiting": "Waiting",
        "status_called": "Called",
        "status_serving": "Being served",
        "status_done": "Finished",
        "status_no_show": "Missed the call",
        "status_cancelled": "Cancelled",
        "status_unserved": "Not served today",
        "status_unserved_past": "Not served on {date}",
        "status_on_hold": "On hold",
        "go_to": "Please go to",
        "being_served_at": "You are being served at",
        "thank_you": "Thank you for your visit.",
        "no_show_detail": "Your number was called but you were not there. Please ask the "
        "information desk.",
        "cancelled_detail": "This number was cancelled. Please ask the information desk.",
        "unserved_detail": "We are sorry: today's service ended before your number was "
        "called. Please take a new number on the next service day; we apologise for your "
        "time.",
        "unserved_past_detail": "We are sorry: the service on {date} ended before your number "
        "was called. This number is no longer valid; please take a new number on the next "
        "service day. We apologise for your time.",
        "no_show_past_detail": "Your number was called on {date} but you were not there. This "
        "number is no longer valid; please take a new number.",
        "on_hold_detail": "Your service is on hold; the officer will call you again.",
        "sound_on": "Turn on sound & vibration",
        "sound_ready": "Sound is on",
        "keep_open": "Keep this page open; it beeps when you are called.",
        "near_alert": "Only {n} people ahead of you. Get ready to go to the counter.",
        "near_alert_one": "Only 1 person ahead of you. Get ready to go to the counter.",
        "near_alert_zero": "You are next. Get ready to go to the counter.",
        "title_near": "({n}) Almost your turn — {number}",
        "title_near_zero": "You are next — {number}",
        "title_called": "(!) Called — {number}",
        "requirements_title": "Documents to bring",
        "fee": "Fee",
        "free": "Free",
        "live_offline": "Connection lost, retrying…",
        "not_found_title": "Queue number not found",
        "not_found_detail": "This address is unknown. Check the QR code on your ticket, or ask "
        "the information desk.",
        "transferred": "Moved to another service",
    },
}

# A date as people write it: "2 Desember 2026", "2 December 2026".
MONTHS = {
    "id": (
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
for _language, _months in MONTHS.items():
    LABELS[_language]["date"] = "{day} {month} {year}"
    LABELS[_language].update({f"month_{n}": name for n, name in enumerate(_months, 1)})


def label(key: str, language: str = DEFAULT_LANGUAGE) -> str:
    """One label; an unknown key is a programming error and fails loudly."""
    return LABELS[language][key]


def long_date(day: str, language: str = DEFAULT_LANGUAGE) -> str:
    """An ISO date (`2026-12-02`) as the visitor reads it: `2 Desember 2026`. The page's
    script writes it the same way (`dateText` in static/status.js)."""
    year, month, number = (int(part) for part in day.split("-"))
    return label("date", language).format(
        day=number, month=label(f"month_{month}", language), year=year
    )
