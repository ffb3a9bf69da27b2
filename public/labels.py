"""Every word of the public phone pages, Bahasa Indonesia first, English second.

The pages are rendered on the server in the language the address asks for (`?lang=en`, as on
the ticket status page); the toggle is a plain link, so the pages read without script. The
script that takes a number from home gets the same table for its messages.
"""

from __future__ import annotations

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

LABELS: dict[str, dict[str, str]] = {
    "id": {
        "language_toggle": "English",
        "title": "Layanan",
        "intro": "Cek persyaratan sebelum berangkat, lihat antrean saat ini, dan ambil nomor "
        "dari rumah untuk layanan yang menyediakannya.",
        "open": "Buka",
        "closed": "Tutup",
        "waiting": "Menunggu",
        "waiting_n": "{n} menunggu",
        "eta": "Perkiraan tunggu",
        "minutes": "± {n} menit",
        "eta_now": "Langsung dilayani",
        "eta_unknown": "Loket belum buka",
        "people": "{n} orang",
        "fee": "Biaya",
        "free": "Gratis",
        "hours_today": "Jam layanan hari ini",
        "closed_today": "Tutup hari ini",
        "requirements": "Persyaratan (dokumen yang dibawa)",
        "no_requirements": "Tidak ada persyaratan khusus; tanyakan petugas bila ragu.",
        "remote_tag": "Bisa dari rumah",
        "remote_title": "Antrean dari rumah",
        "remote_explain": "Ambil nomor sekarang dan pantau antrean dari ponsel. Datanglah "
        "sebelum nomor Anda dipanggil; nomor yang tidak hadir saat dipanggil dilewati.",
        "remote_button": "Ambil nomor dari rumah",
        "remote_left": "Sisa nomor dari rumah hari ini: {n}",
        "remote_taking": "Mengambil nomor…",
        "remote_not_offered": "Layanan ini tidak menyediakan nomor dari rumah. Ambil nomor di "
        "anjungan MPP.",
        "remote_online_quota_reached": "Nomor dari rumah untuk hari ini sudah habis. Nomor "
        "masih bisa diambil di anjungan MPP.",
        "remote_closed": "Nomor dari rumah hanya bisa diambil saat layanan buka.",
        "remote_quota_reached": "Kuota layanan ini hari ini sudah habis.",
        "remote_too_late": "Waktu layanan hari ini tidak cukup lagi: menurut perkiraan, "
        "antrean yang ada sudah mengisi waktu sampai panggilan terakhir. Silakan datang di "
        "hari lain.",
        "remote_closes_soon": "Perhatian: panggilan terakhir layanan pukul {time} ({n} menit "
        "lagi). Bila Anda masih harus menempuh perjalanan, Anda mungkin tiba setelahnya.",
        "remote_may_not_be_served": "Perhatian: menurut perkiraan, Anda mungkin belum "
        "dilayani sebelum panggilan terakhir layanan pukul {time}.",
        "remote_mine": "Nomor Anda untuk layanan ini: {number}",
        "remote_already": "Anda sudah memiliki nomor {number} untuk layanan ini; nomor itu "
        "tetap berlaku.",
        "remote_open_status": "Lihat status",
        "error_network": "Server tidak dapat dihubungi; belum ada nomor yang diambil. Silakan "
        "coba lagi.",
        "error_other": "Nomor belum diambil. Silakan coba lagi.",
        "back": "Semua layanan",
        "not_found": "Layanan tidak ditemukan",
        "not_found_detail": "Alamat ini tidak menunjuk layanan yang ada.",
    },
    "en": {
        "language_toggle": "Bahasa Indonesia",
        "title": "Services",
        "intro": "Check what to bring before you travel, see the queue now, and take a number "
        "from home for services that offer it.",
        "open": "Open",
        "closed": "Closed",
        "waiting": "Waiting",
        "waiting_n": "{n} waiting",
        "eta": "Estimated wait",
        "minutes": "about {n} min",
        "eta_now": "Served straight away",
        "eta_unknown": "Counters not open yet",
        "people": "{n} people",
        "fee": "Fee",
        "free": "Free",
        "hours_today": "Service hours today",
        "closed_today": "Closed today",
        "requirements": "Requirements (documents to bring)",
        "no_requirements": "No special documents; ask an officer if unsure.",
        "remote_tag": "From home",
        "remote_title": "Queue from home",
        "remote_explain": "Take a number now and follow the queue on your phone. Arrive before "
        "your number is called; a number that is not there when called is skipped.",
        "remote_button": "Take a number from home",
        "remote_left": "Numbers from home left today: {n}",
        "remote_taking": "Taking a number…",
        "remote_not_offered": "This service offers no numbers from home. Take one at the kiosk "
        "in the hall.",
        "remote_online_quota_reached": "Today's numbers from home are taken. Numbers are still "
        "available at the kiosk in the hall.",
        "remote_closed": "Numbers from home can only be taken while the service is open.",
        "remote_quota_reached": "This service's quota for today is used up.",
        "remote_too_late": "No time is left today: by the estimate, the queue already fills "
        "the time until the service's last call. Please come another day.",
        "remote_closes_soon": "Note: the service's last call is at {time} (in {n} min). If "
        "you still have to travel, you may arrive after it.",
        "remote_may_not_be_served": "Note: by the estimate, you may not be served before the "
        "service's last call at {time}.",
        "remote_mine": "Your number for this service: {number}",
        "remote_already": "You already have number {number} for this service; it still stands.",
        "remote_open_status": "Open its status",
        "error_network": "The server cannot be reached; no number was taken. Please try again.",
        "error_other": "No number was taken. Please try again.",
        "back": "All services",
        "not_found": "Service not found",
        "not_found_detail": "This address names no service.",
    },
}
