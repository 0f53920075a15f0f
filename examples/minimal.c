/* SPDX-License-Identifier: MIT */
/* Open a TUN device, give it an address, bring it up, and read one packet. */
#include <stdio.h>
#include <veiltun.h>

int main(void)
{
    veiltun_config cfg;
    veiltun *dev;
    veiltun_event ev;
    unsigned char packet[65536];
    int n;

    veiltun_config_init(&cfg);
    cfg.name = "veil%d"; /* the OS picks the number */
    n = veiltun_open(&cfg, &dev);
    if (n < 0) {
        fprintf(stderr, "open: %s\n", veiltun_strerror(n));
        return 1;
    }
    if ((n = veiltun_add_address(dev, "10.9.0.1/24")) < 0 || (n = veiltun_set_up(dev, 1)) < 0) {
        fprintf(stderr, "%s: %s\n", veiltun_get_name(dev), veiltun_strerror(n));
        veiltun_close(dev);
        return 1;
    }
    printf("%s is up; try: ping 10.9.0.2\n", veiltun_get_name(dev));
    /* Wait up to 10 s for a packet (the OS sends one when something is routed here). A device
     * event (it just went up) also ends a wait: fetch the events, then wait again. */
    while ((n = veiltun_wait(dev, 10000)) == VEILTUN_READY_EVENT) {
        while ((n = veiltun_next_event(dev, &ev)) == 0)
            printf("event: %s is %s, mtu %u\n", veiltun_get_name(dev), ev.up ? "up" : "down",
                   ev.mtu);
        if (n != VEILTUN_EAGAIN)
            break;
    }
    if (n > 0)
        n = veiltun_read(dev, packet, sizeof(packet));
    if (n > 0)
        printf("read a %d-byte IPv%d packet\n", n, packet[0] >> 4);
    else
        printf("no packet: %s\n", veiltun_strerror(n));
    veiltun_close(dev); /* removes the device this program created */
    return n > 0 ? 0 : 1;
}
